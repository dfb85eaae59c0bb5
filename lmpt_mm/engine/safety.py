"""The safety entries a run's config declares, and the check that names a missing one.

``configs/_base_/default_runtime.py`` declares them all; every shipped config inherits
it. ``tools/train.py`` and ``tools/test.py`` add nothing: they warn, one line per entry
a config lacks (:func:`missing_safety_entries`), and run the config as written.
"""
from typing import Any, List, Mapping

# custom_hooks entries, with what a run without each one loses.
SAFETY_HOOKS: Mapping[str, str] = {
    'SafeCheckpointHook': 'checkpoints loadable with weights_only and tied to their config',
    'EpochSeedHook': 'a resumed run draws the random numbers of the original',
    'ClassStatsHook': "the losses' class statistics come from the train split",
    'ClassListCheckHook': "the head's classes are checked against the dataset's",
    'EvalImagesCheckHook': 'missing val/test images are found before training',
    'NonFiniteLossHook': 'the run stops at the first non-finite loss or runaway '
                         'parameter',
    'StrictCheckpointLoadHook': 'a resumed or tested checkpoint that does not fit the '
                                'model is refused',
}
# default_hooks.checkpoint
CHECKPOINT_HOOK = 'AtomicCheckpointHook'
# model_wrapper_cfg
MODEL_WRAPPER = 'DeviceAgnosticDDP'


def _type_name(entry: Any) -> str:
    name = (entry or {}).get('type') if isinstance(entry, Mapping) else None
    if name is None:
        return ''
    name = name if isinstance(name, str) else getattr(name, '__name__', str(name))
    return name.rsplit('.', 1)[-1]  # 'mmpretrain.X' and 'X' are the same hook


def missing_safety_entries(cfg: Any) -> List[str]:
    """One line for each safety entry ``cfg`` lacks (empty when it has them all)."""
    where = getattr(cfg, 'filename', None) or 'the config'
    fix = 'inherit configs/_base_/default_runtime.py or add it'
    present = {_type_name(h) for h in (cfg.get('custom_hooks') or [])}
    lines = [f'{where}: custom_hooks has no {name} ({why}); {fix}'
             for name, why in SAFETY_HOOKS.items() if name not in present]
    checkpoint = _type_name((cfg.get('default_hooks') or {}).get('checkpoint'))
    if checkpoint != CHECKPOINT_HOOK:
        lines.append(f'{where}: default_hooks.checkpoint is {checkpoint or "not set"}, not '
                     f'{CHECKPOINT_HOOK} (a run stopped while saving can leave a partial '
                     f'checkpoint); {fix}')
    wrapper = _type_name(cfg.get('model_wrapper_cfg'))
    if wrapper != MODEL_WRAPPER:
        lines.append(f'{where}: model_wrapper_cfg is {wrapper or "not set"}, not '
                     f'{MODEL_WRAPPER} (distributed runs on CPU fail); {fix}')
    return lines
