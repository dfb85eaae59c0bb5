"""Read the tensors of a TorchScript archive without running anything from it.

OpenAI's CLIP files (``RN50.pt``, ``ViT-B-16.pt``) are TorchScript archives.
``torch.jit.load`` compiles and runs the archive's own code: a scripted module's
``__setstate__`` runs while the file is read, and it can write files (e.g. through
``torch.from_file(..., shared=True)``) - a crafted weights file is a program.

The weights need none of that. An archive is a zip holding, under one top folder:

* ``data.pkl`` - the module tree as a pickle: every module is an instance of a
  ``__torch__.*`` class whose state is a dict of its attributes (parameters and
  buffers as tensors, submodules as nested instances, flags such as ``training``);
  tensors are rebuilt by ``torch._utils._rebuild_tensor_v2`` from storages that the
  pickle names by a persistent id ``('storage', torch.FloatStorage, '<key>', 'cpu',
  numel)``;
* ``data/<key>`` - the raw little-endian bytes of each storage;
* ``code/`` and ``constants.pkl`` - the compiled program and its constants.

:func:`read_torchscript_tensors` unpickles ``data.pkl`` with
:class:`_TensorsOnlyUnpickler`: ``__torch__`` classes become inert records of their
attribute dicts, storages are read from ``data/<key>`` as bytes, tensors are views of
them, and any other global is refused, naming it. ``code/`` and ``constants.pkl`` are
never read. An object whose state is not an attribute dict (a class with its own
``__setstate__``, which ``torch.jit.load`` would run) is refused: OpenAI's archives
hold none.
"""
from __future__ import annotations

import io
import pickle
import sys
import zipfile
from collections import OrderedDict
from typing import Any, Callable, Dict, Tuple

import torch


class UnsafeArchiveError(ValueError):
    """The archive holds something beyond a module tree of tensors."""


# Legacy typed-storage names as they appear in the pickles (``torch FloatStorage``).
_STORAGE_DTYPES: Dict[str, torch.dtype] = {
    'FloatStorage': torch.float32, 'HalfStorage': torch.float16,
    'BFloat16Storage': torch.bfloat16, 'DoubleStorage': torch.float64,
    'LongStorage': torch.int64, 'IntStorage': torch.int32,
    'ShortStorage': torch.int16, 'CharStorage': torch.int8,
    'ByteStorage': torch.uint8, 'BoolStorage': torch.bool,
}


class _StorageType:
    """What a ``torch.<X>Storage`` global unpickles to: just its dtype."""

    def __init__(self, dtype: torch.dtype) -> None:
        self.dtype = dtype


class ScriptObject:
    """Inert stand-in for an instance of a TorchScript class: its attribute dict."""

    type_name = '__torch__'

    def __init__(self) -> None:
        self.attributes: Dict[str, Any] = {}

    def __setstate__(self, state: Any) -> None:
        # torch.jit.load would call the class's own compiled __setstate__ here.
        if not isinstance(state, dict):
            raise UnsafeArchiveError(
                f'object {self.type_name} restores its state with its own code '
                '(a TorchScript __setstate__), which lmpt_mm never runs')
        self.attributes = dict(state)


def _rebuild_tensor(storage: torch.Tensor, offset: int, size: Tuple[int, ...],
                    stride: Tuple[int, ...], *_ignored: Any) -> torch.Tensor:
    """``torch._utils._rebuild_tensor(_v2)``: a strided view of a flat storage.

    Gradient flags, backward hooks and metadata are dropped: weights need none.
    """
    if not isinstance(storage, torch.Tensor):
        raise UnsafeArchiveError('a tensor is rebuilt from something that is not a '
                                 'storage of the archive')
    return storage.as_strided(tuple(size), tuple(stride), int(offset))


def _identity(value: Any, *_ignored: Any) -> Any:
    return value


# The globals a module tree of tensors needs; nothing here runs code named by the file.
_ALLOWED: Dict[Tuple[str, str], Callable[[], Any]] = {
    ('torch._utils', '_rebuild_tensor_v2'): lambda: _rebuild_tensor,
    ('torch._utils', '_rebuild_tensor'): lambda: _rebuild_tensor,
    ('torch._utils', '_rebuild_parameter'): lambda: _identity,
    ('collections', 'OrderedDict'): lambda: OrderedDict,
    # TorchScript tags typed lists and dicts; the values are already plain.
    **{('torch.jit._pickle', name): (lambda: _identity) for name in (
        'restore_type_tag', 'build_intlist', 'build_floatlist', 'build_doublelist',
        'build_boollist', 'build_tensorlist')},
    **{('torch', name): (lambda dtype=dtype: _StorageType(dtype))
       for name, dtype in _STORAGE_DTYPES.items()},
}


class _TensorsOnlyUnpickler(pickle.Unpickler):
    """Unpickler of ``data.pkl`` that builds module records and tensors only."""

    def __init__(self, archive: zipfile.ZipFile, prefix: str, data: bytes) -> None:
        super().__init__(io.BytesIO(data))
        self._archive = archive
        self._prefix = prefix
        self._storages: Dict[str, torch.Tensor] = {}
        self._classes: Dict[str, type] = {}

    def find_class(self, module: str, name: str) -> Any:
        if module == '__torch__' or module.startswith('__torch__.'):
            qualname = f'{module}.{name}'
            if qualname not in self._classes:
                self._classes[qualname] = type(name, (ScriptObject,),
                                               {'type_name': qualname})
            return self._classes[qualname]
        factory = _ALLOWED.get((module, name))
        if factory is None:
            raise UnsafeArchiveError(
                f'global {module}.{name} is not allowed in a weights archive (only '
                'TorchScript module records and tensors are)')
        return factory()

    def persistent_load(self, pid: Any) -> torch.Tensor:
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == 'storage'
                and isinstance(pid[1], _StorageType)):
            raise UnsafeArchiveError(f'unknown persistent id {pid!r:.80}')
        _, storage_type, key, _location, numel = pid
        key = str(key)
        if key not in self._storages:
            member = f'{self._prefix}/data/{key}'
            try:
                raw = self._archive.read(member)
            except KeyError as err:
                raise UnsafeArchiveError(f'storage {member} is missing') from err
            dtype = storage_type.dtype
            itemsize = torch.empty((), dtype=dtype).element_size()
            if len(raw) != int(numel) * itemsize:
                raise UnsafeArchiveError(
                    f'storage {member} holds {len(raw)} bytes, not {numel} x '
                    f'{itemsize}')
            self._storages[key] = (torch.frombuffer(bytearray(raw), dtype=dtype)
                                   if raw else torch.empty(0, dtype=dtype))
        return self._storages[key]


def is_torchscript_archive(path: str) -> bool:
    """TorchScript zips hold ``code/`` and ``constants.pkl``; torch.save zips do not."""
    if not zipfile.is_zipfile(path):
        return False
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
    return any(n.endswith('constants.pkl') or '/code/' in n for n in names)


def _collect(obj: ScriptObject, prefix: str, out: Dict[str, torch.Tensor],
             seen: set) -> None:
    if id(obj) in seen:
        return
    seen.add(id(obj))
    # An object whose pickle has no state (no BUILD) holds nothing.
    for name, value in getattr(obj, 'attributes', {}).items():
        if isinstance(value, torch.Tensor):
            out[f'{prefix}{name}'] = value
        elif isinstance(value, ScriptObject):
            _collect(value, f'{prefix}{name}.', out, seen)


def read_torchscript_tensors(path: str) -> Dict[str, torch.Tensor]:
    """The tensor attributes of a TorchScript archive's module tree, by dotted name.

    For an archive written by ``torch.jit.save`` of a traced or scripted module these
    are the module's parameters and buffers (non-persistent buffers included, as
    ``torch.jit.load(path).state_dict()`` lists them), in their stored dtype.

    Raises:
        ValueError: naming ``path`` - the archive holds another global than the
            tensor-rebuilding ones, an object restoring itself with its own code,
            a storage that does not match its declared size, or it is not a
            readable TorchScript archive.
    """
    fix = ('lmpt_mm reads only the tensors of TorchScript archives and runs none of '
           "their code; OpenAI's original files pass. If you trust the file, convert "
           'it once, in a separate Python process: torch.save(torch.jit.load(path)'
           '.state_dict(), "weights.pt"), and pass weights.pt with quick_gelu set')
    try:
        with zipfile.ZipFile(path) as archive:
            pickles = [n for n in archive.namelist()
                       if n.count('/') == 1 and n.endswith('/data.pkl')]
            if len(pickles) != 1:
                raise UnsafeArchiveError(
                    f'expected one <folder>/data.pkl, found {len(pickles)}')
            prefix = pickles[0].split('/')[0]
            if f'{prefix}/byteorder' in archive.namelist():
                order = archive.read(f'{prefix}/byteorder').decode().strip()
                if order != sys.byteorder:
                    raise UnsafeArchiveError(f'storages are {order}-endian, this '
                                             f'machine is {sys.byteorder}-endian')
            root = _TensorsOnlyUnpickler(archive, prefix,
                                         archive.read(pickles[0])).load()
    except UnsafeArchiveError as err:
        raise ValueError(f"TorchScript archive '{path}' refused: {err}. {fix}.") from err
    except (pickle.UnpicklingError, zipfile.BadZipFile, EOFError, RuntimeError,
            TypeError, AttributeError, IndexError, KeyError) as err:
        raise ValueError(f"TorchScript archive '{path}' is not readable "
                         f'({type(err).__name__}: {err}); it may be damaged or '
                         'truncated.') from err
    if not isinstance(root, ScriptObject):
        raise ValueError(f"TorchScript archive '{path}' holds a "
                         f'{type(root).__name__}, not a module. {fix}.')
    tensors: Dict[str, torch.Tensor] = {}
    _collect(root, '', tensors, set())
    return tensors
