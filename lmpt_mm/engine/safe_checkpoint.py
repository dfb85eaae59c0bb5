"""Checkpoints that load with ``torch.load(weights_only=True)``.

Since torch 2.6, ``torch.load`` refuses arbitrary pickled globals by default. Plain
MMEngine checkpoints contain its ``HistoryBuffer`` objects and numpy scalars/arrays
(message hub), so MMEngine 0.10.7 can neither resume nor test its own checkpoints.
Allow-listing those classes is not enough: unpickling numpy dtypes also needs
``builtins.getattr``, which would defeat the check.

lmpt_mm takes the other road: what it *writes* contains only tensors, containers and
Python scalars (:func:`to_weights_only_tree`), and is restored to MMEngine's objects
after loading (:func:`from_weights_only_tree`). Local files are then always loaded
with ``weights_only=True``; a foreign checkpoint that needs arbitrary globals fails
with a message naming the explicit opt-in (:func:`allow_unsafe_checkpoint_load`,
``--unsafe-load`` in ``tools/train.py``/``tools/test.py`` or the config key
``unsafe_checkpoint_load = True``).
"""
from __future__ import annotations

import os
import os.path as osp
import re
from collections import OrderedDict
from typing import Any, Optional

import numpy as np
import torch
from mmengine.logging import HistoryBuffer, print_log
from mmengine.runner.checkpoint import CheckpointLoader

from lmpt_mm.engine.work_dir_checkpoints import damage_report

HISTORY_BUFFER_TAG = '__lmpt_mm_history_buffer__'
UNSAFE_ENV = 'LMPT_MM_UNSAFE_CHECKPOINT_LOAD'
_UNSAFE_LOAD = False


def allow_unsafe_checkpoint_load(allow: bool = True) -> None:
    """Opt in (or out) of loading checkpoints that need arbitrary pickled objects.

    Only for files from a trusted source: unpickling can execute arbitrary code.
    """
    global _UNSAFE_LOAD
    _UNSAFE_LOAD = bool(allow)
    # Child processes (dataloader workers, torchrun ranks) inherit the decision.
    if allow:
        os.environ[UNSAFE_ENV] = '1'
    else:
        os.environ.pop(UNSAFE_ENV, None)


def unsafe_checkpoint_load_allowed() -> bool:
    return _UNSAFE_LOAD or os.environ.get(UNSAFE_ENV, '') == '1'


def to_weights_only_tree(obj: Any) -> Any:
    """Return a copy of ``obj`` made only of types ``weights_only`` accepts.

    ``HistoryBuffer`` becomes a tagged dict of tensors, numpy scalars become Python
    scalars and numpy arrays become tensors. Tensors are kept by reference.
    """
    # numpy scalars first: np.float64 subclasses float but pickles as numpy.
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, torch.Tensor) or obj is None or isinstance(
            obj, (bool, int, float, str, bytes)):
        return obj
    if isinstance(obj, HistoryBuffer):
        state = obj.__dict__
        return {
            HISTORY_BUFFER_TAG: True,
            'max_length': int(state['max_length']),
            'log_history': torch.from_numpy(np.asarray(state['_log_history'])),
            'count_history': torch.from_numpy(np.asarray(state['_count_history'])),
        }
    if isinstance(obj, np.ndarray):
        return torch.from_numpy(obj.copy())
    if isinstance(obj, OrderedDict):
        return OrderedDict((k, to_weights_only_tree(v)) for k, v in obj.items())
    if isinstance(obj, dict):
        return {k: to_weights_only_tree(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        converted = [to_weights_only_tree(v) for v in obj]
        return converted if isinstance(obj, list) else tuple(converted)
    if isinstance(obj, torch.device):
        return str(obj)
    raise TypeError(
        f'cannot store an object of type {type(obj).__qualname__} in a checkpoint '
        'that loads with weights_only=True; convert it to tensors/Python types')


def from_weights_only_tree(obj: Any) -> Any:
    """Inverse of :func:`to_weights_only_tree` for the MMEngine objects it tagged."""
    if isinstance(obj, dict) and obj.get(HISTORY_BUFFER_TAG) is True:
        buffer = HistoryBuffer(max_length=obj['max_length'])
        buffer._log_history = obj['log_history'].numpy()
        buffer._count_history = obj['count_history'].numpy()
        return buffer
    if isinstance(obj, OrderedDict):
        return OrderedDict((k, from_weights_only_tree(v)) for k, v in obj.items())
    if isinstance(obj, dict):
        return {k: from_weights_only_tree(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [from_weights_only_tree(v) for v in obj]
    return obj


# torch >= 2.6 names a refused global in one of two wordings:
# "Unsupported global: GLOBAL numpy._core.multiarray._reconstruct was not an allowed
# global by default" and "Trying to load unsupported GLOBAL posix.system whose module
# posix is blocked".
_GLOBAL_RE = re.compile(r'unsupported (?:global:\s+)?GLOBAL\s+([\w.]+)', re.IGNORECASE)


class CorruptCheckpointError(RuntimeError):
    """The file is not a complete checkpoint (empty, truncated, or not torch.save's)."""


def refused_global(err: Exception) -> Optional[str]:
    """The global ``torch.load(weights_only=True)`` refused, or None if ``err`` says
    something else (e.g. a truncated file)."""
    match = _GLOBAL_RE.search(str(err))
    return match.group(1) if match else None


def _corrupt(filename: str, why: str) -> CorruptCheckpointError:
    return CorruptCheckpointError(
        f'checkpoint {filename} is not a readable checkpoint: {why}. It may be '
        'truncated (a save that was interrupted), damaged in transfer, or not a '
        'file written by torch.save; use another checkpoint (e.g. an earlier '
        'epoch_*.pth) or write it again.')


def load_local_checkpoint(filename: str, map_location: Any = None) -> Any:
    """Load a local checkpoint with ``weights_only=True`` unless the user opted out.

    Registered as MMEngine's loader for local paths, so ``load_from``, ``--resume``
    and ``tools/test.py`` all go through it.

    Raises:
        FileNotFoundError: no such file.
        CorruptCheckpointError: empty, truncated, damaged (its sha256 sidecar or
            zip CRCs do not match: see
            :func:`~lmpt_mm.engine.work_dir_checkpoints.damage_report`) or not a
            checkpoint (the unsafe opt-in would not help, so it is not suggested).
        RuntimeError: the file needs a pickled global (named) and unsafe loading
            was not allowed.
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'checkpoint {filename} can not be found.')
    if osp.getsize(filename) == 0:
        raise _corrupt(filename, 'the file is empty (0 bytes)')
    damage = damage_report(filename)
    if damage is not None:
        raise _corrupt(filename, damage)
    try:
        return torch.load(filename, map_location=map_location, weights_only=True)
    except Exception as err:  # noqa: BLE001 - re-raised below with the fix
        name = refused_global(err)
        if name is None:
            first = next((line.strip() for line in str(err).splitlines()
                          if line.strip() and 'Weights only load failed' not in line
                          and 'PyTorch 2.6' not in line), '')
            first = first.split('. ')[0][:200]  # torch's first sentence says what
            raise _corrupt(filename, f'{type(err).__name__}'
                           + (f': {first}' if first else '')) from err
        if not unsafe_checkpoint_load_allowed():
            raise RuntimeError(
                f'checkpoint {filename} cannot be loaded with weights_only=True: '
                f'it needs the pickled global {name}, beyond tensors and plain Python '
                'types. Checkpoints written by lmpt_mm never do. If you trust '
                'the file, opt in to unsafe loading, which can execute arbitrary '
                'code: pass --unsafe-load to tools/train.py, tools/test.py or '
                'tools/predict.py, set `unsafe_checkpoint_load = True` in the config, '
                'or export '
                f'{UNSAFE_ENV}=1.') from err
    print_log(
        f'Loading {filename} with weights_only=False (unsafe loading was explicitly '
        'allowed): only do this for trusted files.', logger='current', level=30)
    return torch.load(filename, map_location=map_location, weights_only=False)


CheckpointLoader.register_scheme(prefixes='', loader=load_local_checkpoint, force=True)
