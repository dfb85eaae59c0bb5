"""Freeze named submodules for a run (few-shot adaptation: prompts and text encoder)."""
from __future__ import annotations

from typing import Dict, Sequence

from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmpretrain.registry import HOOKS
from torch import nn

from ...models.clip.freeze import freeze_module

__all__ = ['FreezeModulesHook', 'trainable_parameter_counts']


def trainable_parameter_counts(model: nn.Module) -> Dict[str, int]:
    """``{top-level submodule: number of trainable parameter elements}`` (non-zero only)."""
    counts: Dict[str, int] = {}
    for name, param in model.named_parameters():
        if param.requires_grad:
            top = name.split('.', 1)[0]
            counts[top] = counts.get(top, 0) + param.numel()
    return counts


@HOOKS.register_module()
class FreezeModulesHook(Hook):
    """Freeze submodules (by attribute path, e.g. ``'head'``) before training.

    The modules lose ``requires_grad`` and stay in eval mode during training (the train
    loop's ``model.train()`` runs before every epoch, so eval mode is re-applied before
    each iteration). Freezing goes through the module objects, never through
    parameter-name patterns. What stays trainable is logged and kept as
    :attr:`trainable` (``{top-level module: parameter elements}``).

    Multi-process runs: the model is wrapped in DDP before this hook runs, so the
    frozen parameters must be allowed to go without gradients
    (``find_unused_parameters=True`` in ``model_wrapper_cfg``).

    Args:
        modules: attribute paths below the model (``'head'``, ``'head.prompt_learner'``).
    """

    priority = 'HIGHEST'

    def __init__(self, modules: Sequence[str] = ('head', )) -> None:
        if isinstance(modules, str):
            modules = [modules]
        self.modules = list(modules)
        self.trainable: Dict[str, int] = {}

    def _targets(self, runner):
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        out = []
        for path in self.modules:
            module = model
            for part in path.split('.'):
                if not hasattr(module, part):
                    raise ValueError(f'FreezeModulesHook: the model has no submodule '
                                     f'{path!r} ({type(module).__name__} lacks {part!r})')
                module = getattr(module, part)
            out.append(module)
        return model, out

    def before_train(self, runner) -> None:
        model, targets = self._targets(runner)
        for module in targets:
            freeze_module(module)
        self.trainable = trainable_parameter_counts(model)
        print_log(f'FreezeModulesHook: frozen {self.modules}; trainable parameter '
                  f'elements by module: {self.trainable or "none"}', logger='current')

    def before_train_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        for module in self._targets(runner)[1]:
            module.eval()
