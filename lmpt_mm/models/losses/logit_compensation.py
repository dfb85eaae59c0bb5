r"""LTML's classification loss with learnable logit compensation (Guo and Wang,
"Long-Tailed Multi-Label Visual Recognition by Collaborative Training on Uniform and
Re-balanced Samplings", CVPR 2021, Eq. 2).

The paper assumes each class's logits follow a normal distribution and learns, per class
``k``, a scale and a shift for the positive term and another pair for the negative term
of the sigmoid cross entropy:

.. math::
    L_{cls}(u_i, y_i) = -\frac{1}{K} \sum_{k=1}^{K} \omega_k \big[
        y_{ik} \log \varsigma(u_{ik} \sigma^p_k + \mu^p_k)
        + (1 - y_{ik}) \log\big(1 - \varsigma(u_{ik} \sigma^n_k + \mu^n_k)\big) \big],

averaged over the images of the batch. With :math:`\sigma = 1, \mu = 0` it is the plain
sigmoid cross entropy, which is where :class:`LogitCompensatedBCELoss` starts.
"""
from typing import Optional, Sequence

import torch
import torch.nn.functional as F
from mmpretrain.registry import MODELS
from torch import nn


def logit_compensated_bce(logits: torch.Tensor, targets: torch.Tensor,
                          sigma_pos: torch.Tensor, mu_pos: torch.Tensor,
                          sigma_neg: torch.Tensor, mu_neg: torch.Tensor,
                          class_weight: Optional[torch.Tensor] = None) -> torch.Tensor:
    """:math:`L_{cls}` of the module docstring, a mean over ``B x K``.

    Args:
        logits, targets: ``[B, K]`` (targets in ``[0, 1]``).
        sigma_pos, mu_pos, sigma_neg, mu_neg: ``[K]``, the compensation of the positive
            and the negative term.
        class_weight: ``[K]`` :math:`\\omega_k`; ``None`` for 1.
    """
    if logits.shape != targets.shape:
        raise ValueError(f'logits {tuple(logits.shape)} and targets '
                         f'{tuple(targets.shape)} differ in shape')
    # log(1 - s(x)) = log s(-x), stable for large |x|
    pos = F.logsigmoid(logits * sigma_pos + mu_pos)
    neg = F.logsigmoid(-(logits * sigma_neg + mu_neg))
    per_label = -(targets * pos + (1 - targets) * neg)
    if class_weight is not None:
        per_label = per_label * class_weight
    return per_label.mean()


@MODELS.register_module()
class LogitCompensatedBCELoss(nn.Module):
    """Sigmoid cross entropy with LTML's learnable per-class logit compensation
    (:func:`logit_compensated_bce`); the compensation starts at the identity.

    The four ``[K]`` parameters (``sigma_pos``, ``mu_pos``, ``sigma_neg``, ``mu_neg``)
    are trained with the network; configs exempt them from weight decay, which would
    pull the scales towards 0.

    Args:
        num_classes: ``K``.
        class_weight: :math:`\\omega_k` (``None``: 1 for every class).
        loss_weight: factor on the loss.
    """

    def __init__(self, num_classes: int, class_weight: Optional[Sequence[float]] = None,
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        if num_classes < 1:
            raise ValueError(f'num_classes must be >= 1, got {num_classes}')
        if class_weight is not None and len(class_weight) != num_classes:
            raise ValueError(f'class_weight has {len(class_weight)} entries for '
                             f'{num_classes} classes')
        self.sigma_pos = nn.Parameter(torch.ones(num_classes))
        self.mu_pos = nn.Parameter(torch.zeros(num_classes))
        self.sigma_neg = nn.Parameter(torch.ones(num_classes))
        self.mu_neg = nn.Parameter(torch.zeros(num_classes))
        self.register_buffer('class_weight', None if class_weight is None else
                             torch.tensor(class_weight, dtype=torch.float32),
                             persistent=False)
        self.loss_weight = loss_weight

    def forward(self, cls_score: torch.Tensor, label: torch.Tensor,
                **kwargs) -> torch.Tensor:
        """``cls_score``, ``label``: ``[B, K]`` logits and binary targets. Extra keyword
        arguments of MMPretrain's loss call (``avg_factor``) must be ``None``: the loss
        is a mean over ``B x K`` by definition."""
        if any(v is not None for v in kwargs.values()):
            raise ValueError('LogitCompensatedBCELoss is a mean over B x K; it takes no '
                             f'{sorted(k for k, v in kwargs.items() if v is not None)}')
        return self.loss_weight * logit_compensated_bce(
            cls_score, label.to(cls_score.dtype), self.sigma_pos, self.mu_pos,
            self.sigma_neg, self.mu_neg, self.class_weight)
