"""Stop a diverging run: non-finite losses, runaway parameters or scores."""
from __future__ import annotations

import math
import os
import os.path as osp
from typing import Optional, Sequence, Tuple

import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmpretrain.registry import HOOKS

# The top-level config key tools/train.py reads the guard's bounds from.
GUARD_CFG_KEY = 'divergence_guard'


def _value(v) -> Optional[float]:
    if isinstance(v, torch.Tensor):
        return float(v.detach().float().mean()) if v.numel() else None
    return float(v) if isinstance(v, (int, float)) else None


def largest_abs(named: Sequence[Tuple[str, torch.Tensor]]) -> Optional[Tuple[str, float]]:
    """``(name, max |value|)`` of the tensor holding the largest magnitude (NaN counts
    as infinite), or None for no elements; one device sync for all tensors."""
    named = [(n, t) for n, t in named if t.numel()]
    if not named:
        return None
    with torch.no_grad():
        device = named[0][1].device
        maxima = torch.stack([t.detach().abs().amax().float().to(device)
                              for _, t in named])
        maxima = torch.nan_to_num(maxima, nan=math.inf).cpu()
    worst = int(torch.argmax(maxima))
    return named[worst][0], float(maxima[worst])


@HOOKS.register_module()
class NonFiniteLossHook(Hook):
    """Divergence guard: raise ``FloatingPointError`` when training runs away.

    * **Non-finite loss**, checked every iteration. Without it a diverged run trains
      on (every later update is NaN) until validation fails, and the checkpoints of
      the rest of the run hold NaN weights. The error names the iteration, the
      non-finite loss terms and, when training on cached features
      (``FeatureCacheHook``), the cache file: a cache holding non-finite features is
      deleted (the next run rebuilds it), otherwise the message says the features
      are finite and the loss itself diverged.
    * **Runaway parameters**: a trainable parameter with a value beyond
      ``max_abs_param`` (or NaN), checked every ``interval`` iterations, at the end
      of every epoch, before every checkpoint is written and before validation (a
      loss can stay finite while prompts grow to 1e9 at a huge learning rate).
      The check is one max-abs per trainable tensor and one device sync.
    * **Runaway scores** in validation: a non-finite prediction score, or one beyond
      ``max_abs_score``, stops validation at that batch, naming the training
      iteration the model was evaluated after.

    Errors name the iteration, the tensor and the config key that sets the bound
    (the top-level ``divergence_guard``, which ``tools/train.py`` passes to the hook
    entry of ``custom_hooks``; ``configs/_base_/default_runtime.py`` declares it).
    Checkpoints saved before the error are kept intact.

    Args:
        max_abs_param: largest |value| a trainable parameter may reach. The default
            (1e6) is far above any trained CLIP/ResNet weight (CLIP's logit scale is
            100 at most).
        max_abs_score: largest |value| of a validation prediction score (1e6;
            sigmoid scores are in [0, 1], CLIP logits stay below 100).
        interval: parameter check every this many iterations (besides epoch ends,
            checkpoints and validation).
    """

    priority = 'VERY_HIGH'  # before the logger and the checkpoint hook

    def __init__(self, max_abs_param: float = 1e6, max_abs_score: float = 1e6,
                 interval: int = 10) -> None:
        for name, value in (('max_abs_param', max_abs_param),
                            ('max_abs_score', max_abs_score)):
            if not value > 0:
                raise ValueError(f'{GUARD_CFG_KEY}.{name} must be > 0 (inf switches the '
                                 f'check off), got {value!r}')
        if int(interval) < 1:
            raise ValueError(f'{GUARD_CFG_KEY}.interval must be >= 1, got {interval!r}')
        self.max_abs_param = float(max_abs_param)
        self.max_abs_score = float(max_abs_score)
        self.interval = int(interval)

    # -- parameters ------------------------------------------------------------------
    def check_parameters(self, runner, where: str) -> None:
        """Raise if a trainable parameter is non-finite or beyond ``max_abs_param``."""
        if math.isinf(self.max_abs_param):
            return
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        worst = largest_abs([(n, p) for n, p in model.named_parameters()
                             if p.requires_grad])
        if worst is None or worst[1] <= self.max_abs_param:
            return
        name, value = worst
        size = 'non-finite values' if math.isinf(value) else f'|value| {value:.3g}'
        raise FloatingPointError(
            f'training diverged: parameter {name} holds {size} {where}, beyond the '
            f'divergence bound {self.max_abs_param:g} ({GUARD_CFG_KEY}.max_abs_param). '
            'Training stopped; checkpoints saved before are intact. Lower the learning '
            'rate (optim_wrapper.optimizer.lr) or the loss weights; if such values are '
            f'intended, raise the bound: --cfg-options {GUARD_CFG_KEY}.max_abs_param='
            f'{max(value, self.max_abs_param) * 10:.0e}.')

    # MMEngine counts runner.iter / runner.epoch from 0 and increments them after
    # after_train_iter / after_train_epoch; the messages count from 1.
    def after_train_epoch(self, runner) -> None:
        self.check_parameters(runner, f'at iteration {runner.iter} (the end of epoch '
                              f'{runner.epoch + 1})')

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        meta = checkpoint.get('meta') or {}
        self.check_parameters(runner, f"at iteration {meta.get('iter', runner.iter)} "
                              f"(epoch {meta.get('epoch', runner.epoch)}), before "
                              'saving its checkpoint')

    def before_val(self, runner) -> None:
        if getattr(runner, '_train_loop', None) is not None:
            self.check_parameters(runner, f'after iteration {runner.iter} (epoch '
                                  f'{runner.epoch}), before validation')

    # -- validation scores -------------------------------------------------------------
    def after_val_iter(self, runner, batch_idx: int, data_batch=None,
                       outputs: Optional[Sequence] = None) -> None:
        scores = [(f'sample {k}', s.pred_score) for k, s in enumerate(outputs or [])
                  if isinstance(getattr(s, 'pred_score', None), torch.Tensor)]
        worst = largest_abs(scores)
        if worst is None or worst[1] <= self.max_abs_score:
            return
        trained = (f' after training iteration {runner.iter} (epoch {runner.epoch})'
                   if getattr(runner, '_train_loop', None) is not None else '')
        size = 'non-finite' if math.isinf(worst[1]) else f'|value| {worst[1]:.3g}'
        raise FloatingPointError(
            f'validation{trained}, batch {batch_idx + 1}: the prediction scores of its '
            f'{worst[0]} are {size}, beyond the bound {self.max_abs_score:g} '
            f'({GUARD_CFG_KEY}.max_abs_score): the weights evaluated have diverged. '
            'Lower the learning rate (optim_wrapper.optimizer.lr); if such scores are '
            f'intended, raise the bound: --cfg-options {GUARD_CFG_KEY}.max_abs_score='
            f'{max(worst[1], self.max_abs_score) * 10:.0e}.')

    # -- losses -------------------------------------------------------------------------
    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs: Optional[dict] = None) -> None:
        self._check_loss(runner, batch_idx, outputs)
        if (runner.iter + 1) % self.interval == 0:
            self.check_parameters(runner, f'at iteration {runner.iter + 1} (epoch '
                                  f'{runner.epoch + 1}, batch {batch_idx + 1})')

    def _check_loss(self, runner, batch_idx: int, outputs: Optional[dict]) -> None:
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
