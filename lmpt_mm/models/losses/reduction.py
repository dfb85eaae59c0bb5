r"""The one place where the losses' element-wise weights and reductions are applied.

Every ``[B, C]`` loss of this package (DB family, CSE) ends here, so the *loss-scale
convention* - which changes the step size of an SGD run by up to ``B * C`` at the same
learning rate - is chosen the same way everywhere:

=====================  ===============================  ==============================
``reduction``          ``avg_factor``                   result
=====================  ===============================  ==============================
``'mean'``             ``None``                         mean over all ``B * C`` pairs
``'mean'``             ``'batch'``                      ``sum / B`` (per-sample sum,
                                                        what MMPretrain's
                                                        ``MultiLabelClsHead`` asks
                                                        for with ``avg_factor=B``)
``'mean'``             a number ``a``                   ``sum / a``
``'sum'``              ``None``                         sum over batch and classes
``'none'``             ignored                          the weighted ``[B, C]`` loss
=====================  ===============================  ==============================

``'sum'`` with an ``avg_factor`` is refused (MMPretrain's rule): the two conventions
would silently compose.
"""
from typing import Literal, Optional, Union

import torch

Reduction = Literal['none', 'mean', 'sum']
AvgFactor = Optional[Union[float, int, Literal['batch']]]
REDUCTIONS = ('none', 'mean', 'sum')


def check_reduction(reduction: str, name: str = 'reduction') -> str:
    """``reduction`` itself, or a ``ValueError`` naming the allowed values."""
    if reduction not in REDUCTIONS:
        raise ValueError(f"{name} must be 'none', 'mean' or 'sum', got {reduction!r}")
    return reduction


def check_avg_factor(avg_factor: AvgFactor) -> AvgFactor:
    """``avg_factor`` itself if it is None, ``'batch'`` or a number > 0 (a one-element
    tensor counts as a number)."""
    if avg_factor is None or (isinstance(avg_factor, str) and avg_factor == 'batch'):
        return avg_factor
    try:
        value = float(avg_factor)
    except (TypeError, ValueError):
        value = None
    if isinstance(avg_factor, (bool, str)) or value is None or not value > 0:
        raise ValueError("avg_factor must be None, 'batch' or a number > 0, got "
                         f'{avg_factor!r}')
    return avg_factor


def weighted_reduce(loss: torch.Tensor,
                    weight: Optional[torch.Tensor] = None,
                    reduction: Reduction = 'mean',
                    avg_factor: AvgFactor = None) -> torch.Tensor:
    r"""Apply ``weight`` to ``loss`` ``[B, C]`` and reduce it (module docstring).

    Args:
        loss: element-wise loss ``[B, C]``.
        weight: optional element-wise ``[B, C]`` or per-sample ``[B]`` weight.
        reduction: ``'none'``, ``'mean'`` or ``'sum'``.
        avg_factor: ``None``, ``'batch'`` (``B``) or a number; only with ``'mean'``.

    Returns:
        Scalar, or ``[B, C]`` for ``'none'``.
    """
    check_reduction(reduction)
    check_avg_factor(avg_factor)
    if loss.dim() != 2:
        raise ValueError(f'the element-wise loss must be [B, C], got {tuple(loss.shape)}')
    if weight is not None:
        weight = weight.to(device=loss.device, dtype=loss.dtype)
        if weight.shape == (loss.shape[0], ):
            weight = weight.reshape(-1, 1)  # per sample: [B] -> [B, 1]
        elif weight.shape != loss.shape:
            raise ValueError(f'weight must be [B, C] = {tuple(loss.shape)} or [B], got '
                             f'{tuple(weight.shape)}')
        loss = loss * weight
    if reduction == 'none':
        return loss
    if reduction == 'sum':
        if avg_factor is not None:
            raise ValueError('avg_factor can not be used with reduction="sum"')
        return loss.sum()
    if avg_factor is None:
        return loss.mean()
    if isinstance(avg_factor, str):  # 'batch'
        return loss.sum() / loss.shape[0]
    return loss.sum() / avg_factor
