"""Checkpoint files of a work dir: atomic writes, completeness, ownership, fit.

* :func:`atomic_write_bytes` - temp file in the same folder, flush + fsync, rename:
  a reader (or a run killed mid-save) never sees a half-written final name.
* :func:`write_checksum` / :func:`damage_report` - every saved checkpoint gets a
  ``<name>.sha256`` sidecar; a file whose bytes no longer match it, or (without a
  sidecar) whose zip members fail their CRC-32, is damaged. ``torch.load`` checks
  neither: 200 flipped bytes mid-file load silently as other weights.
* :func:`is_complete_checkpoint` / :func:`newest_complete_checkpoint` /
  :func:`find_resume_checkpoint` - what ``--resume auto`` may use; an empty or
  dangling ``last_checkpoint`` falls back to the newest complete checkpoint with a
  warning (MMEngine would fail with ``checkpoint  can not be found``); a
  ``last_checkpoint`` naming a file outside the work dir (a copied work dir still
  points into the original) is read as the file of that name inside it, or refused.
* :func:`config_fingerprint` / :func:`checkpoint_fingerprint` - which config wrote a
  checkpoint (``meta['lmpt_config']``, stored by ``SafeCheckpointHook``).
* :func:`check_checkpoint_fits` - strict loading for test/predict/resume: every key
  the model saves must be in the checkpoint with its shape, and nothing else.
"""
from __future__ import annotations

import os
import os.path as osp
import re
import zipfile
from typing import Any, Dict, List, Optional, Tuple

import torch
from mmengine.logging import print_log

from lmpt_mm.utils.hashing import file_sha256, json_digest

TMP_SUFFIX = '.tmp'
# Parts of a config that define a run (not its length, logging, paths or launcher).
FINGERPRINT_KEYS = ('model', 'train_dataloader', 'optim_wrapper', 'param_scheduler')
_STEP = re.compile(r'^(epoch|iter)_(\d+)\.pth$')


# -- atomic files ----------------------------------------------------------------
def atomic_write_bytes(path: str, data: bytes) -> None:
    """Write ``data`` to ``path`` so that ``path`` is either old or complete."""
    folder = osp.dirname(osp.abspath(path))
    tmp = osp.join(folder, f'.{osp.basename(path)}.{os.getpid()}{TMP_SUFFIX}')
    try:
        with open(tmp, 'wb') as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if osp.exists(tmp):
            os.remove(tmp)
        raise
    fsync_dir(folder)


def fsync_dir(folder: str) -> None:
    """Make a rename in ``folder`` durable (no-op where directories cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def remove_stale_temp_files(folder: str) -> List[str]:
    """Remove temp files a killed save left behind (``.<name>.<pid>.tmp``)."""
    removed = []
    if not osp.isdir(folder):
        return removed
    for name in os.listdir(folder):
        if name.startswith('.') and name.endswith(TMP_SUFFIX):
            os.remove(osp.join(folder, name))
            removed.append(name)
    return removed


# -- content checksums --------------------------------------------------------------
CHECKSUM_SUFFIX = '.sha256'


def checksum_path(path: str) -> str:
    return f'{path}{CHECKSUM_SUFFIX}'


def write_checksum(path: str) -> str:
    """Write ``path``'s sha256 beside it (``sha256sum`` format), atomically."""
    value = file_sha256(path)
    atomic_write_bytes(checksum_path(path), f'{value}  {osp.basename(path)}\n'.encode())
    return value


def remove_checksum(path: str) -> None:
    if osp.isfile(checksum_path(path)):
        os.remove(checksum_path(path))


def damage_report(path: str) -> Optional[str]:
    """Why ``path`` is damaged, or None when its bytes check out.

    With a ``.sha256`` sidecar the file's sha256 must match it; without one (a
    checkpoint from elsewhere) every member of the torch zip archive must pass its
    CRC-32. A file that is not a zip is left to the loader to report.
    """
    sidecar = checksum_path(path)
    if osp.isfile(sidecar):
        with open(sidecar) as f:
            expected = (f.read().split() or [''])[0].lower()
        actual = file_sha256(path)
        if actual == expected:
            return None
        return (f'its sha256 {actual[:16]}... differs from {expected[:16]}... recorded '
                f'in {sidecar} when it was saved (if you replaced the checkpoint on '
                'purpose, delete that file)')
    if not zipfile.is_zipfile(path):
        return None
    try:
        with zipfile.ZipFile(path) as archive:
            bad = archive.testzip()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as err:
        return f'its zip archive cannot be read ({type(err).__name__}: {err})'
    return None if bad is None else f'its member {bad} fails the zip CRC-32 check'


# -- completeness and resume -------------------------------------------------------
def is_complete_checkpoint(path: str) -> bool:
    """A non-empty torch zip archive whose central directory (written last) is there."""
    return osp.isfile(path) and osp.getsize(path) > 0 and zipfile.is_zipfile(path)


def _step_key(path: str) -> Tuple[int, float]:
    match = _STEP.match(osp.basename(path))
    return (int(match.group(2)) if match else -1, osp.getmtime(path))


def newest_complete_checkpoint(work_dir: str) -> Optional[str]:
    """The complete ``epoch_N.pth``/``iter_N.pth`` with the largest N (then mtime)."""
    if not osp.isdir(work_dir):
        return None
    paths = [osp.join(work_dir, n) for n in os.listdir(work_dir) if _STEP.match(n)]
    complete = [p for p in paths if is_complete_checkpoint(p)]
    return max(complete, key=_step_key) if complete else None


def find_resume_checkpoint(work_dir: str) -> Optional[str]:
    """The checkpoint ``--resume auto`` continues from, or None (start afresh).

    ``last_checkpoint`` names it; when that file is empty or names a missing or
    incomplete checkpoint, a warning says so and the newest complete checkpoint of
    the work dir is used instead.
    """
    last = osp.join(work_dir, 'last_checkpoint')
    if not osp.isfile(last):
        return newest_complete_checkpoint(work_dir)
    with open(last) as f:
        target = f.read().strip()
    if target:
        target = _inside_work_dir(work_dir, last, target)
    if target and is_complete_checkpoint(target):
        return target
    fallback = newest_complete_checkpoint(work_dir)
    if not target:
        problem = f'{last} is empty'
    elif not osp.isfile(target):
        problem = f'{last} names {target}, which does not exist'
    else:
        problem = f'{last} names {target}, which is incomplete (truncated or empty)'
    print_log(f'{problem}; resuming from the newest complete checkpoint '
              f'{fallback}' if fallback else f'{problem} and {work_dir} holds no '
              'complete epoch_*/iter_*.pth: training starts afresh',
              logger='current', level=30)
    return fallback


class ResumeOutsideWorkDirError(ValueError):
    """``last_checkpoint`` names a checkpoint of another work dir."""


def checkpoint_in_work_dir(work_dir: str, target: str) -> Optional[str]:
    """``target`` if it lies in ``work_dir``; else the file of the same name there,
    or None when there is none.

    A copied or moved work dir keeps the original's absolute ``last_checkpoint``:
    following it would read (or resume next to) another run's checkpoints.
    """
    here = osp.realpath(work_dir)
    if osp.commonpath([here, osp.realpath(target)]) == here:
        return target
    local = osp.join(work_dir, osp.basename(target))
    return local if osp.isfile(local) else None


def _inside_work_dir(work_dir: str, pointer: str, target: str) -> str:
    """:func:`checkpoint_in_work_dir` for ``--resume auto``: says when it reads the
    local file instead, and refuses a checkpoint of another work dir."""
    local = checkpoint_in_work_dir(work_dir, target)
    if local is None:
        raise ResumeOutsideWorkDirError(
            f'{pointer} names {target}, outside the work dir {work_dir} (copied or moved '
            f'from there?), and {work_dir} holds no {osp.basename(target)}: --resume '
            "auto only resumes the work dir's own checkpoints. Pass --resume "
            f'{target} to continue from that file explicitly, or fix {pointer}.')
    if local != target:
        print_log(f'{pointer} names {target}, outside this work dir (copied or moved '
                  f'from there?): resuming from {local}, the file of that name here.',
                  logger='current', level=30)
    return local


# -- which config wrote a checkpoint ----------------------------------------------
def config_fingerprint(cfg) -> Dict[str, str]:
    """``{'name': config file stem, 'hash': 12 hex digits}`` of the parts of ``cfg``
    that define a run (:data:`FINGERPRINT_KEYS`); the train length, hooks, logging,
    work dir, resume/load_from and launcher may change without changing it."""
    name = osp.splitext(osp.basename(cfg.filename or 'config'))[0]
    return {'name': name,
            'hash': json_digest({k: cfg.get(k) for k in FINGERPRINT_KEYS}, 12)}


def checkpoint_fingerprint(path: str) -> Optional[Dict[str, str]]:
    """``meta['lmpt_config']`` of a checkpoint (None if absent or unreadable)."""
    try:
        ckpt = torch.load(path, map_location='cpu', weights_only=True, mmap=True)
    except Exception:  # noqa: BLE001 - an unreadable file has no known owner
        return None
    meta = ckpt.get('meta') if isinstance(ckpt, dict) else None
    value = meta.get('lmpt_config') if isinstance(meta, dict) else None
    return value if isinstance(value, dict) and 'hash' in value else None


def describe(fingerprint: Dict[str, str]) -> str:
    return f"{fingerprint.get('name')!r} (config hash {fingerprint.get('hash')})"


# -- strict loading -----------------------------------------------------------------
class CheckpointMismatchError(ValueError):
    """A checkpoint does not hold the weights the model of a config saves."""


def checkpoint_state_dict(checkpoint: Any) -> Dict[str, Any]:
    state = checkpoint.get('state_dict', checkpoint) if isinstance(checkpoint, dict) \
        else {}
    # DDP-wrapped saves carry ``module.``, as MMEngine's revise_keys strips.
    return {re.sub(r'^module\.', '', k): v for k, v in state.items()}


def checkpoint_mismatch(model: torch.nn.Module, checkpoint: Any
                        ) -> Tuple[List[str], List[str], List[str]]:
    """``(missing, unexpected, shape mismatches)`` of a checkpoint against the model.

    Required: the keys of ``model.state_dict()`` (a trainable-only model leaves its
    frozen towers out, so a trainable-only checkpoint fits). Allowed besides: any
    other parameter/buffer of the model (a full checkpoint fits too). Shapes must
    match for every key present.
    """
    required = {k: tuple(v.shape) for k, v in model.state_dict().items()
                if hasattr(v, 'shape')}
    known = dict(required)
    for name, tensor in list(model.named_parameters()) + list(model.named_buffers()):
        known.setdefault(name, tuple(tensor.shape))
    given = checkpoint_state_dict(checkpoint)
    missing = [k for k in required if k not in given]
    unexpected = [k for k in given if k not in known]
    shapes = [f'{k}: checkpoint {list(getattr(v, "shape", ()))} vs model '
              f'{list(known[k])}' for k, v in given.items()
              if k in known and tuple(getattr(v, 'shape', ())) != known[k]]
    return missing, unexpected, shapes


def check_checkpoint_fits(model: torch.nn.Module, checkpoint: Any, filename: str,
                          config: Optional[str] = None, limit: int = 3) -> None:
    """Raise :class:`CheckpointMismatchError` unless the checkpoint holds exactly
    the weights ``model`` saves, with their shapes."""
    missing, unexpected, shapes = checkpoint_mismatch(model, checkpoint)
    if not (missing or unexpected or shapes):
        return
    parts = []
    for label, items in (('shape mismatches', shapes), ('missing keys', missing),
                         ('unexpected keys', unexpected)):
        if items:
            parts.append(f'{len(items)} {label} (first: {"; ".join(items[:limit])})')
    meta = checkpoint.get('meta') if isinstance(checkpoint, dict) else None
    owner = meta.get('lmpt_config') if isinstance(meta, dict) else None
    written_by = f' It was written by config {describe(owner)}.' if isinstance(
        owner, dict) else ''
    raise CheckpointMismatchError(
        f'checkpoint {filename} does not fit the model of config '
        f'{config or "(unknown)"}: {", ".join(parts)}.{written_by} It was probably '
        'trained with another method or class count: use the config it was '
        'trained with.')
