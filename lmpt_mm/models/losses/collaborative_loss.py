r"""LTML's collaborative two-branch objective (Guo and Wang, "Long-Tailed Multi-Label
Visual Recognition by Collaborative Training on Uniform and Re-balanced Samplings",
CVPR 2021, Sec. 3).

Branch ``u`` is trained on a uniformly sampled batch ``x^u``, branch ``r`` on a
class-aware (re-balanced) batch ``x^r``; each batch also goes through the other branch,
and a cross-branch term pulls the two branches' logits on the same image together:

.. math::
    L = L_{cls}(z_u(x^u), y^u) + L_{cls}(z_r(x^r), y^r)        \qquad\text{(Eq. 1)}
        + \lambda \big[ L_{con}(z_u(x^u), z_r(x^u)) + L_{con}(z_r(x^r), z_u(x^r)) \big],
    \qquad L_{con}(a, b) = \frac{1}{BC} \lVert a - b \rVert_2^2 .

The consistency is a mean squared difference of logits with gradient into both
branches (no stop-gradient).
"""
from typing import Callable, Dict

import torch
import torch.nn.functional as F


def collaborative_loss(z_u_on_u: torch.Tensor, z_r_on_u: torch.Tensor,
                       z_r_on_r: torch.Tensor, z_u_on_r: torch.Tensor,
                       y_u: torch.Tensor, y_r: torch.Tensor,
                       cls_loss_u: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
                       cls_loss_r: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
                       consistency_weight: float) -> Dict[str, torch.Tensor]:
    """The terms of :math:`L` (module docstring), named for MMEngine's log.

    Args:
        z_u_on_u, z_r_on_u: logits ``[B, C]`` of branches ``u`` and ``r`` on the
            uniform batch; ``z_r_on_r``, ``z_u_on_r`` on the re-balanced batch.
        y_u, y_r: binary targets ``[B, C]`` of the two batches.
        cls_loss_u, cls_loss_r: each branch's ``(logits, targets) -> scalar`` (e.g. BCE,
            mean over ``B x C``, or the logit-compensated BCE with the branch's own
            compensation).
        consistency_weight: :math:`\\lambda`.

    Returns:
        ``loss_cls_u``, ``loss_cls_r`` and ``loss_con`` (already times lambda); their
        sum is :math:`L`.
    """
    if consistency_weight < 0:
        raise ValueError(f'consistency_weight must be >= 0, got {consistency_weight}')
    con = F.mse_loss(z_u_on_u, z_r_on_u) + F.mse_loss(z_r_on_r, z_u_on_r)
    return dict(loss_cls_u=cls_loss_u(z_u_on_u, y_u), loss_cls_r=cls_loss_r(z_r_on_r, y_r),
                loss_con=consistency_weight * con)
