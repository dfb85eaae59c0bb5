"""Refuse a checkpoint that does not fit the model (test, predict, resume)."""
from __future__ import annotations

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.runner import BaseLoop
from mmpretrain.registry import HOOKS

from lmpt_mm.engine.work_dir_checkpoints import check_checkpoint_fits


@HOOKS.register_module()
class StrictCheckpointLoadHook(Hook):
    """Check a loaded checkpoint against the model before MMEngine loads it.

    MMEngine loads with ``strict=False``: a checkpoint of another method or class
    count only logs ``size mismatch`` / ``missing keys`` and the run goes on with
    untrained weights (tests then report metrics of an untrained model). This hook
    raises :class:`~lmpt_mm.engine.work_dir_checkpoints.CheckpointMismatchError`
    naming the checkpoint, the config and the first mismatching keys/shapes.
    Strict on what the checkpoint should hold: ``model.state_dict()``'s keys (a
    trainable-only CLIP model leaves its frozen towers out). Checked: every checkpoint
    of a test or validation run and the checkpoint a training run resumes from; not
    ``load_from`` of a training run that does not resume, which may initialise a
    different model (e.g. HP-DVAL stage 2 from stage 1). Declared in
    ``configs/_base_/default_runtime.py``.
    """

    priority = 'VERY_HIGH'

    def __init__(self) -> None:
        self._check = True

    def before_run(self, runner) -> None:
        # Runner.train builds its train loop before this call and loads the
        # checkpoint after it; Runner.test / Runner.val build none.
        training = isinstance(getattr(runner, '_train_loop', None), BaseLoop)
        self._check = not training or bool(getattr(runner, '_resume', False))

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        if not self._check:
            return
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        filename = getattr(runner, '_load_from', None) or '(checkpoint)'
        check_checkpoint_fits(model, checkpoint, str(filename), runner.cfg.filename)
