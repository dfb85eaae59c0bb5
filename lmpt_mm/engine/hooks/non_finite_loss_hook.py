"""Stop training at the first non-finite loss, saying where it came from."""
from __future__ import annotations

import math
import os
import os.path as osp
from typing import Optional

import torch
from mmengine.hooks import Hook
from mmpretrain.registry import HOOKS


def _value(v) -> Optional[float]:
    if isinstance(v, torch.Tensor):
        return float(v.detach().float().mean()) if v.numel() else None
    return float(v) if isinstance(v, (int, float)) else None


@HOOKS.register_module()
class NonFiniteLossHook(Hook):
    """Raise ``FloatingPointError`` at the first iteration whose loss is NaN/inf.

    Without it a diverged run trains on (every later update is NaN) until validation
    fails, and the checkpoints of the rest of the run hold NaN weights. The error
    names the iteration, the non-finite loss terms and, when training on cached
    features (``FeatureCacheHook``), the cache file: a cache holding non-finite
    features is deleted (the next run rebuilds it), otherwise the message says the
    features are finite and the loss itself diverged. Checkpoints saved before
    that iteration are kept intact. ``tools/train.py`` adds it to every run.
    """

    priority = 'VERY_HIGH'  # before the logger and the checkpoint hook

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs: Optional[dict] = None) -> None:
        if not outputs:
            return
        values = {k: _value(v) for k, v in outputs.items() if k.startswith('loss')
                  or k == 'loss'}
        bad = {k: v for k, v in values.items() if v is not None and not math.isfinite(v)}
        if not bad:
            return
        terms = [k for k in bad if k != 'loss'] or list(bad)
        listing = ', '.join(f'{k}={bad[k]}' for k in terms)
        total = '' if 'loss' not in values or terms == ['loss'] else \
            f' (total loss={values["loss"]})'
        where = (f'iteration {runner.iter + 1} (epoch {runner.epoch + 1}, batch '
                 f'{batch_idx + 1})')
        raise FloatingPointError(
            f'non-finite loss at {where}: {listing}{total}. Training stopped; '
            f'checkpoints saved before this iteration are intact.{self._cache_note(runner)}'
            ' Check the loss weights, learning rate, class statistics and inputs.')

    @staticmethod
    def _cache_note(runner) -> str:
        result = next((getattr(h, 'result', None) for h in runner.hooks
                       if type(h).__name__ == 'FeatureCacheHook'), None)
        if result is None or result.dataset is None or not result.path:
            return ''
        finite = all(torch.isfinite(f).all() for view in result.dataset.views
                     for f in view)
        if finite:
            return (f' Training was on cached image features from {result.path}; they '
                    'are finite, so the loss itself diverged.')
        if osp.isfile(result.path):
            os.remove(result.path)
        return (f' Training was on cached image features from {result.path}, which '
                'hold non-finite values: the file was deleted and the next run '
                'rebuilds it.')
