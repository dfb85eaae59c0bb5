"""Hook that makes every checkpoint a run writes loadable with ``weights_only``."""
from __future__ import annotations

from mmengine.hooks import Hook
from mmpretrain.registry import HOOKS

from lmpt_mm.engine.safe_checkpoint import from_weights_only_tree, to_weights_only_tree
from lmpt_mm.engine.work_dir_checkpoints import config_fingerprint

# Keys holding tensors only (model and optimizer state): skipped to avoid copying.
_TENSOR_KEYS = ('state_dict', 'ema_state_dict')


@HOOKS.register_module()
class SafeCheckpointHook(Hook):
    """Convert the message hub / meta to weights-only types on save and back on load.

    Declared in ``configs/_base_/default_runtime.py`` (the tools warn about a config
    without it, :mod:`lmpt_mm.engine.safety`), so ``--resume auto``, ``load_from``
    and ``tools/test.py`` work under torch>=2.6 without trusting pickles.
    """

    priority = 'VERY_LOW'  # after other hooks have added their entries

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        # Which config wrote it: the work-dir guard and `--resume auto` check it.
        # (tools/train.py computes it from the config before the runner alters it.)
        checkpoint.setdefault('meta', {})['lmpt_config'] = dict(
            runner.cfg.get('lmpt_config_fingerprint') or config_fingerprint(runner.cfg))
        if 'param_schedulers' in checkpoint:
            checkpoint['param_schedulers'] = _without_functions(
                checkpoint['param_schedulers'])
        for key in list(checkpoint):
            if key not in _TENSOR_KEYS:
                checkpoint[key] = to_weights_only_tree(checkpoint[key])

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        if 'message_hub' in checkpoint:
            checkpoint['message_hub'] = from_weights_only_tree(checkpoint['message_hub'])


def _without_functions(state):
    """A scheduler state without its function entries: MMEngine's ``OneCycleLR`` keeps
    its annealing function (``anneal_func``) in ``__dict__``, which its constructor sets
    again when a run resumes from the config."""
    if isinstance(state, dict):
        return {k: _without_functions(v) for k, v in state.items() if not callable(v)}
    if isinstance(state, (list, tuple)):
        return type(state)(_without_functions(v) for v in state)
    return state
