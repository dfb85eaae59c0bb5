"""Content hashes of configs, options and files: one home for every cache or resume key.

* :func:`to_jsonable` - a config (``ConfigDict``, tuples, types) as plain JSON values;
* :func:`json_digest` - sha256 over the sorted JSON of such a value (the feature
  cache key, the work-dir config fingerprint, and the run keys of the resumable tools
  ``tools/fewshot.py`` / ``tools/sweep.py``);
* :func:`file_sha256` - sha256 of a file's bytes, read in chunks (``metrics.json``
  names the checkpoint it tested by it);
* :func:`run_record` - what a resumable tool's finished work depends on: the
  resolved config (``_base_`` files and overrides merged, the work dir left out) and
  the tool's options, keyed by ``json_digest(record)``;
* :func:`config_run_record` - :func:`run_record` of a config file resolved with
  ``KEY=VALUE`` options as ``--cfg-options`` parses them;
* :func:`differences` - the first dotted keys where two JSON records differ, so a
  refusal can say what changed.
"""
from __future__ import annotations

import hashlib
import json
from typing import Any, List, Optional, Sequence


def to_jsonable(obj: Any) -> Any:
    """Configs (ConfigDict, tuples, types) as plain JSON values, keys sorted on dump."""
    if hasattr(obj, 'to_dict'):
        obj = obj.to_dict()
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, (str, int, float, bool)) or obj is None:
        return obj
    return getattr(obj, '__qualname__', None) or repr(obj)


def json_digest(obj: Any, length: Optional[int] = None) -> str:
    """Hex sha256 of ``obj`` as sorted JSON (:func:`to_jsonable`), cut to ``length``."""
    text = json.dumps(to_jsonable(obj), sort_keys=True, default=repr)
    return hashlib.sha256(text.encode()).hexdigest()[:length]


def file_sha256(path: str, chunk: int = 1 << 20) -> str:
    """Hex sha256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def run_record(cfg: Any, **options: Any) -> dict:
    """``{'config': resolved config without work_dir, 'options': options}`` as JSON
    values; ``cfg`` is an MMEngine ``Config`` (or a dict), already merged with any
    ``--cfg-options``."""
    config = to_jsonable(cfg)
    config.pop('work_dir', None)
    return dict(config=config, options=to_jsonable(options))


def config_run_record(config: str, options: Sequence[str], **extra: Any) -> dict:
    """:func:`run_record` of ``config`` merged with ``options`` (``KEY=VALUE`` strings,
    parsed as ``--cfg-options`` parses them) and the tool's ``extra`` options."""
    from mmengine.config import Config, DictAction

    cfg = Config.fromfile(config)
    overrides = {}
    for option in options:
        key, sep, value = option.partition('=')
        if not sep or not key:
            raise ValueError(f'option {option!r} is not KEY=VALUE')
        overrides[key] = DictAction._parse_iterable(value)
    cfg.merge_from_dict(overrides)
    return run_record(cfg, **extra)


def differences(old: Any, new: Any, limit: int = 3, prefix: str = '') -> List[str]:
    """Up to ``limit`` lines ``'key.sub: old -> new'`` where two JSON values differ."""
    out: List[str] = []

    def walk(a: Any, b: Any, key: str) -> None:
        if len(out) >= limit or a == b:
            return
        if isinstance(a, dict) and isinstance(b, dict):
            for k in sorted(set(a) | set(b)):
                walk(a.get(k, '<absent>'), b.get(k, '<absent>'),
                     f'{key}.{k}' if key else str(k))
            return
        if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
            for i, (x, y) in enumerate(zip(a, b)):
                walk(x, y, f'{key}.{i}' if key else str(i))
            return
        short = lambda v: (s if len(s := json.dumps(v, default=repr)) <= 60  # noqa: E731
                           else s[:57] + '...')
        out.append(f'{key or "<value>"}: {short(a)} -> {short(b)}')

    walk(to_jsonable(old), to_jsonable(new), prefix)
    return out
