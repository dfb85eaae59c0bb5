r"""Dual-view scoring of HP-DVAL: global ([CLS]) and local (patch-token) cosines fused.

For class ``i`` and one image with global embedding ``f_cls`` and local embeddings
``f_1..f_N`` (all in CLIP's joint space),

.. math::
    s[i] = \alpha \cos(P^G_i, f_{cls})
           + (1 - \alpha) \frac{1}{k} \sum_{j \in \text{top-}k} \cos(P^L_i, f_j),

the top-``k`` taken per class over the ``N`` local tokens (``alpha = 0.4``,
``k = 32`` in the paper, Huang et al., HP-DVAL, Sec. III). The HP-DVAL code scores
differently (``models/prompt_model.py`` 317-348 of its release): raw dot products
times a learned temperature per view, each view L2-normalised over the classes,
``alpha`` on the local term; :func:`dual_view_scores` computes both
(``alpha_weights``, ``normalize_over_classes``; the similarities and temperatures
come from :class:`~lmpt_mm.models.heads.DualViewCLIPHead`).
"""
from typing import Literal, Optional

import torch
import torch.nn.functional as F

from lmpt_mm.utils.logging import warn_once

AlphaWeights = Literal['global', 'local']


def topk_mean(local_sim: torch.Tensor, k: int) -> torch.Tensor:
    """Mean of the ``k`` largest entries along the last axis: ``[..., N] -> [...]``.

    ``k`` larger than ``N`` is clipped to ``N`` (the mean over all tokens), with a
    warning logged once: a ViT-B/16 at 224px has 196 tokens, but smaller inputs or
    CNN feature maps (RN50: 7 x 7 = 49) may have fewer than the configured ``k``.

    Raises:
        ValueError: ``k < 1`` or no local token (``N = 0``).
    """
    if k < 1:
        raise ValueError(f'top-k of the local view needs k >= 1, got k={k}')
    num_tokens = local_sim.shape[-1]
    if num_tokens == 0:
        raise ValueError('the local view has no token (local_sim of shape '
                         f'{tuple(local_sim.shape)})')
    if k > num_tokens:
        warn_once(f'dual-view scores: k={k} exceeds the {num_tokens} local tokens; '
                  f'using all {num_tokens} (the top-k mean becomes the plain mean)')
        k = num_tokens
    return local_sim.topk(k, dim=-1).values.mean(dim=-1)


def dual_view_scores(global_sim: torch.Tensor,
                     local_sim: Optional[torch.Tensor],
                     alpha: float = 0.4,
                     k: int = 32,
                     alpha_weights: AlphaWeights = 'global',
                     normalize_over_classes: bool = False) -> torch.Tensor:
    r"""Fused score of the global view and the top-``k`` mean of the local view.

    ``alpha_weights='global'`` (the paper, Huang et al., HP-DVAL, Sec. III):
    ``s = alpha * g + (1 - alpha) * l``; ``'local'`` (the HP-DVAL code,
    ``models/prompt_model.py`` 348): ``s = alpha * l + (1 - alpha) * g``, with
    ``g`` the global similarities and ``l = topk-mean(local_sim)``.
    ``normalize_over_classes=True`` divides each view's ``[B, C]`` scores by their
    L2 norm over the classes, per image, before fusing (the code's ``norm_pred``,
    ``prompt_model.py`` 343-345): ``g <- g / ||g||_2``, ``l <- l / ||l||_2``; a scale
    common to all classes of a view (e.g. a temperature) then cancels.

    Args:
        global_sim: ``[B, C]`` similarities of the global embedding with the class
            text features.
        local_sim: ``[B, C, N]`` similarities of the ``N`` local tokens with the class
            text features; may be ``None`` only when the local view's weight is 0.
        alpha: in ``[0, 1]``, the weight of the view named by ``alpha_weights``.
        k: local tokens averaged per class (clipped to ``N``, see :func:`topk_mean`).
        alpha_weights: ``'global'`` or ``'local'``.
        normalize_over_classes: L2-normalise each view over the classes first.

    Returns:
        ``[B, C]`` fused scores.
    """
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f'alpha must be in [0, 1], got {alpha}')
    if alpha_weights not in ('global', 'local'):
        raise ValueError(f"alpha_weights must be 'global' or 'local', got {alpha_weights!r}")
    w_global = alpha if alpha_weights == 'global' else 1.0 - alpha
    w_local = 1.0 - w_global
    if normalize_over_classes:
        global_sim = F.normalize(global_sim, dim=-1)
    if w_local == 0.0:
        return global_sim
    if local_sim is None:
        raise ValueError(f'a local weight of {w_local} (alpha={alpha}, alpha_weights='
                         f'{alpha_weights!r}) needs the local view (local_sim [B, C, N])')
    if local_sim.dim() != 3 or local_sim.shape[:2] != global_sim.shape:
        raise ValueError(f'local_sim must be [B, C, N] matching global_sim '
                         f'{tuple(global_sim.shape)}, got {tuple(local_sim.shape)}')
    local = topk_mean(local_sim, k)  # [B, C]
    if normalize_over_classes:
        local = F.normalize(local, dim=-1)
    return w_global * global_sim + w_local * local


def local_view_weight(alpha: float, alpha_weights: AlphaWeights = 'global') -> float:
    """Weight of the local view in :func:`dual_view_scores`."""
    return 1.0 - alpha if alpha_weights == 'global' else alpha
