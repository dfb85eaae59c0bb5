r"""Asymmetric loss (ASL; Ridnik et al., *Asymmetric Loss For Multi-Label
Classification*, ICCV 2021, Eq. 4-7) with the focal weight's gradient as an option.

Per element, with ``p = sigmoid(z)``, the shifted negative probability
``p_m = max(p - clip, 0)`` (Eq. 6) and the one-sided focusing exponent
``gamma = gamma_pos * y + gamma_neg * (1 - y)``::

    p_t  = y * p + (1 - y) * (1 - p_m)              # prob. of the true label
    w    = (1 - p_t) ** gamma                        # asymmetric focusing (Eq. 4, 7)
    loss = -w * log(max(p_t, eps))

``detach_focal_weight`` decides whether ``w`` is a constant of the backward pass. The
ASL formula leaves it open; MMPretrain's ``AsymmetricLoss`` differentiates through ``w``,
the DualCoOp code (``utils/asymmetric_loss.py`` of its release, lines 49-57) computes
``w`` with autograd off. The loss *value* is the same; the gradient w.r.t. the logits is
not (for a negative at ``gamma_neg = 2``, ``d/dz`` of ``w`` alone adds a term of the
same order as the log-term's).

:class:`DetachableAsymmetricLoss` is MMPretrain's ``AsymmetricLoss`` (same arguments,
same value, and the same gradient when ``detach_focal_weight=False``) with the option,
reduced by the package's one reduction helper (``reduction.weighted_reduce``), so
``reduction='sum'`` with ``loss_weight=w`` is the DualCoOp code's ``loss_w * sum``.
"""
from typing import Optional

import torch
from mmpretrain.models.losses import AsymmetricLoss
from mmpretrain.registry import MODELS

from .reduction import AvgFactor, Reduction, check_avg_factor, check_reduction, weighted_reduce


def asymmetric_loss_elementwise(pred: torch.Tensor,
                                target: torch.Tensor,
                                gamma_pos: float = 0.0,
                                gamma_neg: float = 4.0,
                                clip: Optional[float] = 0.05,
                                eps: float = 1e-8,
                                use_sigmoid: bool = True,
                                detach_focal_weight: bool = False) -> torch.Tensor:
    """ASL per element (module docstring), not reduced.

    Args:
        pred: logits ``[B, C]`` (probabilities are ``sigmoid(pred)``, or a softmax over
            the last axis when ``use_sigmoid=False``).
        target: ``[B, C]`` binary targets.
        gamma_pos, gamma_neg: focusing exponents of the positives / negatives.
        clip: the probability margin ``m`` of the negatives (``None`` or 0: no shift).
        eps: lower clamp of the log's argument.
        use_sigmoid: see ``pred``.
        detach_focal_weight: the focusing weight ``w`` carries no gradient.

    Returns:
        ``[B, C]`` loss.
    """
    if pred.shape != target.shape:
        raise ValueError(f'pred {tuple(pred.shape)} and target {tuple(target.shape)} '
                         'must have the same shape')
    prob = pred.sigmoid() if use_sigmoid else pred.softmax(dim=-1)
    y = target.type_as(pred)
    neg_prob = 1 - prob
    if clip:
        neg_prob = (neg_prob + clip).clamp(max=1)  # 1 - p_m
    p_t = y * prob + (1 - y) * neg_prob
    with torch.set_grad_enabled(torch.is_grad_enabled() and not detach_focal_weight):
        focal_weight = (1 - p_t).pow(gamma_pos * y + gamma_neg * (1 - y))
    return -torch.log(p_t.clamp(min=eps)) * focal_weight


@MODELS.register_module()
class DetachableAsymmetricLoss(AsymmetricLoss):
    """MMPretrain's ``AsymmetricLoss`` with ``detach_focal_weight`` (module docstring).

    Args:
        gamma_pos, gamma_neg, clip, reduction, loss_weight, use_sigmoid, eps: as
            MMPretrain's ``AsymmetricLoss``.
        detach_focal_weight: compute the focusing weight without autograd (the DualCoOp
            release's form). ``False`` (default): MMPretrain's gradient.
    """

    def __init__(self,
                 gamma_pos: float = 0.0,
                 gamma_neg: float = 4.0,
                 clip: Optional[float] = 0.05,
                 reduction: Reduction = 'mean',
                 loss_weight: float = 1.0,
                 use_sigmoid: bool = True,
                 eps: float = 1e-8,
                 detach_focal_weight: bool = False) -> None:
        super().__init__(gamma_pos=gamma_pos, gamma_neg=gamma_neg, clip=clip,
                         reduction=check_reduction(reduction), loss_weight=loss_weight,
                         use_sigmoid=use_sigmoid, eps=eps)
        if not isinstance(detach_focal_weight, bool):
            raise TypeError('detach_focal_weight must be True or False, got '
                            f'{detach_focal_weight!r}')
        self.detach_focal_weight = detach_focal_weight

    def forward(self,
                pred: torch.Tensor,
                target: torch.Tensor,
                weight: Optional[torch.Tensor] = None,
                avg_factor: AvgFactor = None,
                reduction_override: Optional[Reduction] = None) -> torch.Tensor:
        """Loss of logits ``pred`` ``[B, C]`` against binary ``target`` ``[B, C]``.

        ``weight``: ``[B, C]`` or per-sample ``[B]``; ``avg_factor``: see
        ``reduction.weighted_reduce``.
        """
        reduction = check_reduction(reduction_override or self.reduction,
                                    'reduction_override')
        check_avg_factor(avg_factor)
        loss = asymmetric_loss_elementwise(
            pred, target, gamma_pos=self.gamma_pos, gamma_neg=self.gamma_neg,
            clip=self.clip, eps=self.eps, use_sigmoid=self.use_sigmoid,
            detach_focal_weight=self.detach_focal_weight)
        return self.loss_weight * weighted_reduce(loss, weight, reduction, avg_factor)
