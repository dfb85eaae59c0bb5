"""Warn about ``--cfg-options`` keys that nothing reads.

``Config.merge_from_dict`` accepts any key: ``foo.bar=1`` (a typo, or an option of
another tool) silently adds an entry that no component uses. A top-level key that
is neither in the config nor read by MMEngine's runner or lmpt_mm's tools is
reported. ``data_root`` is reported too when the dataloaders keep their own (it is
copied into them when the config file is read).
"""
from __future__ import annotations

from typing import List, Mapping

from mmengine.config import Config
from mmengine.logging import print_log

# Top-level keys read by Runner.from_cfg (MMEngine 0.10.7) and by lmpt_mm's tools.
RUNNER_KEYS = frozenset((
    'model', 'work_dir', 'train_dataloader', 'val_dataloader', 'test_dataloader',
    'train_cfg', 'val_cfg', 'test_cfg', 'auto_scale_lr', 'optim_wrapper',
    'param_scheduler', 'val_evaluator', 'test_evaluator', 'default_hooks',
    'custom_hooks', 'data_preprocessor', 'load_from', 'resume', 'launcher', 'env_cfg',
    'log_processor', 'log_level', 'visualizer', 'default_scope', 'randomness',
    'experiment_name', 'model_wrapper_cfg', 'find_unused_parameters'))
LMPT_KEYS = frozenset(('feature_cache', 'method_name', 'unsafe_checkpoint_load',
                       'class_names', 'data_root', 'divergence_guard'))
LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


def unused_cfg_options(cfg_before: Config, options: Mapping[str, object]) -> List[str]:
    """Warnings for the ``options`` keys (dotted) that nothing will read."""
    warnings = []
    for key, value in options.items():
        top = key.split('.', 1)[0]
        if top not in cfg_before and top not in RUNNER_KEYS | LMPT_KEYS:
            warnings.append(
                f'--cfg-options {key}={value!r}: {top!r} is not a key of the config nor '
                'one the runner or the tools read, so it has no effect (check the '
                'spelling)')
        elif key == 'data_root':
            kept = [name for name in LOADERS
                    if (cfg_before.get(name) or {}).get('dataset', {}).get('data_root')
                    not in (None, value)]
            if kept:
                warnings.append(
                    f'--cfg-options data_root={value!r} does not move the dataloaders '
                    f'({", ".join(kept)} keep their data_root, copied when the config '
                    'was read): set ' + ', '.join(f'{n}.dataset.data_root' for n in kept)
                    + ' instead')
    return warnings


def warn_unused_cfg_options(cfg_before: Config, options: Mapping[str, object]) -> None:
    for msg in unused_cfg_options(cfg_before, options):
        print_log(msg, logger='current', level=30)
