r"""Dual-view scoring of HP-DVAL: global ([CLS]) and local (patch-token) cosines fused.

For class ``i`` and one image with global embedding ``f_cls`` and local embeddings
``f_1..f_N`` (all in CLIP's joint space),

.. math::
    s[i] = \alpha \cos(P^G_i, f_{cls})
           + (1 - \alpha) \frac{1}{k} \sum_{j \in \text{top-}k} \cos(P^L_i, f_j),

the top-``k`` taken per class over the ``N`` local tokens (``alpha = 0.4``,
``k = 32`` in the paper, Huang et al., HP-DVAL, Sec. III).
"""
from typing import Optional

import torch

from lmpt_mm.utils.logging import warn_once


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
                     k: int = 32) -> torch.Tensor:
    """Fused score ``alpha * global + (1 - alpha) * top-k mean of local``.

    Args:
        global_sim: ``[B, C]`` cosines of the global embedding with the class text
            features.
        local_sim: ``[B, C, N]`` cosines of the ``N`` local tokens with the class text
            features; may be ``None`` only when ``alpha == 1`` (global view alone).
        alpha: weight of the global view, in ``[0, 1]``.
        k: local tokens averaged per class (clipped to ``N``, see :func:`topk_mean`).

    Returns:
        ``[B, C]`` fused scores (cosine scale, in ``[-1, 1]``).
    """
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f'alpha must be in [0, 1], got {alpha}')
    if alpha == 1.0:
        return global_sim
    if local_sim is None:
        raise ValueError(f'alpha={alpha} < 1 needs the local view (local_sim [B, C, N])')
    if local_sim.dim() != 3 or local_sim.shape[:2] != global_sim.shape:
        raise ValueError(f'local_sim must be [B, C, N] matching global_sim '
                         f'{tuple(global_sim.shape)}, got {tuple(local_sim.shape)}')
    return alpha * global_sim + (1.0 - alpha) * topk_mean(local_sim, k)
