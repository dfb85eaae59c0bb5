"""Remember a value derived from a tensor while that tensor object is unchanged."""
import weakref
from typing import Any, Dict, Optional, Tuple

import torch


class TensorMemo:
    """Values keyed on a tensor *object* and its in-place version counter.

    For per-step work on tensors that are passed again and again unchanged (a
    prompt's token buffer, a loss's class counts): a hit costs a dict lookup. An
    entry only matches the same live object (checked through a weak reference, so a
    new tensor that reuses a freed one's ``id`` never matches) at the same
    ``_version`` (any in-place change misses). At most ``max_entries`` are kept.
    Pickling keeps no entries (weak references do not pickle).
    """

    def __init__(self, max_entries: int = 64) -> None:
        self.max_entries = max_entries
        self._entries: Dict[int, Tuple[weakref.ref, int, Any]] = {}

    def get(self, tensor: torch.Tensor) -> Optional[Any]:
        entry = self._entries.get(id(tensor))
        if entry is not None and entry[0]() is tensor and entry[1] == tensor._version:
            return entry[2]
        return None

    def put(self, tensor: torch.Tensor, value: Any) -> Any:
        if len(self._entries) >= self.max_entries:
            self._entries.clear()
        self._entries[id(tensor)] = (weakref.ref(tensor), tensor._version, value)
        return value

    def __len__(self) -> int:
        return len(self._entries)

    def __getstate__(self) -> dict:
        return dict(max_entries=self.max_entries, _entries={})
