r"""The L1 feature distance of HP-DVAL's distillation and semantic-consistency losses.

``L_kd = || f_CLIP(x) - f_cls(x) ||_1`` (stage 1) and ``L_sc = || P_H - P_G ||_1``
(stage 2) are both taken here as the **mean absolute difference over all elements**
(``[B, D]`` image embeddings, resp. ``[C, D]`` text features), i.e. PyTorch's
``nn.L1Loss()`` default. The per-element mean keeps the loss on the same scale for any
batch size, number of classes or joint-space width ``D``; the sum form is ``B * D``
(resp. ``C * D``) times larger. Features are the raw (not normalised) joint-space
embeddings, as in the paper's equations; ``normalize=True`` compares unit vectors
instead (the scores only use directions).
"""
from typing import Literal

import torch
import torch.nn.functional as F

Reduction = Literal['mean', 'sum', 'none']


def feature_l1_loss(pred: torch.Tensor,
                    target: torch.Tensor,
                    normalize: bool = False,
                    reduction: Reduction = 'mean') -> torch.Tensor:
    """``mean(|pred - target|)`` over all elements (``'sum'``/``'none'`` as named).

    Args:
        pred: ``[N, D]`` features that receive gradients (student / learned prompts).
        target: ``[N, D]`` reference features (teacher / hand-crafted prompts); it is
            detached - the reference never gets a gradient from this loss.
        normalize: L2-normalise both along the last axis first.
        reduction: ``'mean'`` (default), ``'sum'`` or ``'none'`` (``[N, D]``).
    """
    if pred.shape != target.shape:
        raise ValueError(f'feature L1 loss: shapes differ, {tuple(pred.shape)} vs '
                         f'{tuple(target.shape)} (is the student embedding width the '
                         "CLIP model's joint-space width?)")
    if reduction not in ('mean', 'sum', 'none'):
        raise ValueError(f"reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
    pred = pred.float()
    target = target.detach().to(pred.device, torch.float32)
    if normalize:
        pred, target = F.normalize(pred, dim=-1), F.normalize(target, dim=-1)
    return F.l1_loss(pred, target, reduction=reduction)
