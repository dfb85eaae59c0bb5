"""Which run a work dir belongs to: refuse to mix two configs' checkpoints.

MMEngine trains into any work dir: a second config's run overwrites the first one's
``epoch_N.pth`` and ``last_checkpoint``, and ``--resume auto`` then continues the
wrong run. ``tools/train.py`` checks the config fingerprint stored in the newest
checkpoint's meta (``SafeCheckpointHook``) against its own.
"""
from __future__ import annotations

from typing import Optional

from mmengine.config import Config
from mmengine.logging import print_log

from lmpt_mm.engine.work_dir_checkpoints import (checkpoint_fingerprint, describe,
                                                 find_resume_checkpoint,
                                                 newest_complete_checkpoint)

FINGERPRINT_CFG_KEY = 'lmpt_config_fingerprint'


class WorkDirConflictError(RuntimeError):
    """The work dir holds checkpoints of another config."""


def check_work_dir_owner(cfg: Config, force: bool) -> None:
    """Refuse (unless ``force``) to train into a work dir holding another config's
    checkpoints."""
    newest = newest_complete_checkpoint(cfg.work_dir)
    owner = checkpoint_fingerprint(newest) if newest else None
    ours = cfg[FINGERPRINT_CFG_KEY]
    if owner is None or owner.get('hash') == ours['hash']:
        return
    msg = (f'work dir {cfg.work_dir} holds checkpoints of another config: {newest} '
           f'was written by {describe(owner)}, this run is {describe(ours)}. '
           'Training here would overwrite them and `--resume auto` would mix the two '
           'runs')
    if not force:
        raise WorkDirConflictError(f'{msg}: pass another --work-dir, or '
                                   '--force-work-dir to train here anyway.')
    print_log(f'{msg}; training here anyway (--force-work-dir).', logger='current',
              level=30)


def resolve_auto_resume(cfg: Config, force: bool) -> Optional[str]:
    """The checkpoint ``--resume auto`` continues from (None: start afresh).

    Refuses (unless ``force``) a checkpoint written by another config.
    """
    path = find_resume_checkpoint(cfg.work_dir)
    if path is None:
        print_log(f'--resume auto: no complete checkpoint in {cfg.work_dir}; '
                  'training starts afresh.', logger='current', level=30)
        return None
    owner = checkpoint_fingerprint(path)
    ours = cfg[FINGERPRINT_CFG_KEY]
    if owner is not None and owner.get('hash') != ours['hash']:
        msg = (f'--resume auto: {path} in {cfg.work_dir} was written by '
               f'{describe(owner)}, not by this config {describe(ours)}')
        if not force:
            raise WorkDirConflictError(
                f'{msg}: pass another --work-dir, resume with the config that wrote '
                'it, or pass --force-work-dir to resume from it anyway.')
        print_log(f'{msg}; resuming anyway (--force-work-dir).', logger='current',
                  level=30)
    return path
