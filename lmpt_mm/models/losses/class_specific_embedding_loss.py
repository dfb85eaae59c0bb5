r"""Class-specific embedding (CSE) loss of LMPT (Xia et al., 2024, Sec. 3).

A present class's prompt is pulled toward the training caption, an absent
class's prompt pushed at least a class-aware margin away, with rare classes
weighing more:

.. math::
    l_{ki} = \begin{cases} d_{ki} & y_{ki} = 1 \\
             \max(0, M_i - d_{ki}) & y_{ki} = 0 \end{cases}, \quad
    M_i = \frac{m}{n_i^{1/4}}, \quad
    w_i = \frac{n_i^{-\gamma}}{\sum_j n_j^{-\gamma}}, \quad
    L = \frac{1}{B} \sum_k \sum_i w_i l_{ki}.

``d`` is a distance in ``[0, 2]`` between caption ``k`` and class ``i``'s
prompt: :func:`feature_distance` (``1 - cos`` of text-encoder features) or
:func:`token_distance` (mean ``1 - cos`` of aligned token embeddings).
"""
from typing import Literal, Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmpretrain.registry import MODELS

from lmpt_mm.datasets.class_stats import (STATS_HELP, StatsLike, as_count_tensor,
                                          check_class_stats, choose_class_stats,
                                          clamp_counts, resolve_class_stats)
from .reduction import (AvgFactor, Reduction, check_avg_factor, check_reduction,
                        weighted_reduce)

DistanceMode = Literal['feature', 'token']


def cse_margins_and_weights(class_freq: StatsLike, margin: float,
                            gamma: float):
    r"""Class-aware margins ``M_i = margin / n_i^{1/4}`` and class weights
    ``w_i = n_i^{-gamma} / sum_j n_j^{-gamma}`` (sum to 1).

    ``n_i = 0`` is clamped to 1 (warned once).

    Returns:
        ``(margins, weights)``, float64 tensors ``[C]``.
    """
    freq = clamp_counts(as_count_tensor(class_freq, 'class_freq'), 1.0,
                        why=' for the CSE loss')
    margins = margin / freq.pow(0.25)
    weights = freq.pow(-gamma)
    return margins, weights / weights.sum()


def class_specific_embedding_loss(distance: torch.Tensor,
                                  targets: torch.Tensor,
                                  class_freq: StatsLike,
                                  margin: float = 0.2,
                                  gamma: float = 0.2,
                                  reduction: Reduction = 'mean',
                                  avg_factor: AvgFactor = 'batch',
                                  weight: Optional[torch.Tensor] = None
                                  ) -> torch.Tensor:
    r"""CSE hinge-embedding loss on caption/prompt distances (module docstring).

    Args:
        distance: ``[B, C]`` distances ``d[k, i]`` (``[0, 2]``).
        targets: ``[B, C]`` in {0, 1}.
        class_freq: ``[C]`` train counts ``n_i``; zeros clamped to 1 (warned).
        margin: base margin ``m`` (spec default 0.2).
        gamma: re-weighting exponent (the official command line uses 0.2).
        reduction, avg_factor: the loss scale
            (:func:`~lmpt_mm.models.losses.reduction.weighted_reduce`). The
            default ``'mean'`` with ``avg_factor='batch'`` is the paper's
            ``(1/B) sum_k sum_i w_i l[k, i]`` - a sum over classes (the ``w_i``
            sum to 1) and a mean over the batch; ``avg_factor=None`` is the
            mean over all ``B*C`` pairs (``C`` times smaller; the LMPT code's
            ``.mean()``); a number divides the sum by it. ``'sum'``: the sum
            over ``k, i``. ``'none'``: the weighted per-pair loss
            ``w_i l[k, i]``, ``[B, C]``.
        weight: optional extra element-wise ``[B, C]`` or per-sample ``[B]``.

    Returns:
        Scalar, or ``[B, C]`` for ``reduction='none'``.
    """
    if distance.dim() != 2 or targets.shape != distance.shape:
        raise ValueError('distance and targets must both be [B, C], got '
                         f'{tuple(distance.shape)} and {tuple(targets.shape)}')
    check_reduction(reduction)
    check_avg_factor(avg_factor)
    if reduction != 'mean' and isinstance(avg_factor, str):
        avg_factor = None  # the default 'batch' only shapes 'mean'
    if class_freq is None:
        raise ValueError(f'class_specific_embedding_loss: missing class_freq; '
                         f'{STATS_HELP}')
    freq = as_count_tensor(class_freq, 'class_freq')
    if freq.numel() != distance.shape[1]:
        raise ValueError(f'class_freq has {freq.numel()} classes but the '
                         f'distances have {distance.shape[1]}')
    dtype = torch.promote_types(distance.dtype, torch.float32)
    margins, class_w = (t.to(distance.device, dtype)
                        for t in cse_margins_and_weights(freq, margin, gamma))
    d = distance.to(dtype)
    y = targets.to(dtype)
    # present: pull (loss d); absent: push until d >= M_i (loss M_i - d)
    pair = y * d + (1.0 - y) * F.relu(margins - d)  # [B, C]
    # weight and reduction: the convention shared by all losses here
    return weighted_reduce(pair * class_w, weight, reduction, avg_factor)


def feature_distance(caption_feats: torch.Tensor,
                     prompt_feats: torch.Tensor) -> torch.Tensor:
    r"""``d[k, i] = 1 - cos(t_k, p_i)`` with one matrix product.

    Args:
        caption_feats: ``[B, D]`` caption text features (any norm).
        prompt_feats: ``[C, D]`` class prompt text features (any norm).

    Returns:
        ``[B, C]``; memory O(B*C + (B+C)*D).
    """
    if caption_feats.dim() != 2 or prompt_feats.dim() != 2 or \
            caption_feats.shape[1] != prompt_feats.shape[1]:
        raise ValueError('caption_feats must be [B, D] and prompt_feats '
                         f'[C, D], got {tuple(caption_feats.shape)} and '
                         f'{tuple(prompt_feats.shape)}')
    cap = F.normalize(caption_feats, dim=-1)
    prm = F.normalize(prompt_feats, dim=-1)
    return 1.0 - cap @ prm.t()


def token_distance(caption_tokens: torch.Tensor,
                   prompt_tokens: torch.Tensor,
                   m_ctx: int = 2) -> torch.Tensor:
    r"""Mean token-wise ``1 - cos`` between captions and shifted prompts.

    .. math::
        d_{ki} = \frac{1}{T} \sum_{t=0}^{T-1}
                 \left(1 - \cos(E_{k,t}, P_{i,t+m_{ctx}})\right),
        \quad T = \min(L_E, L_P - m_{ctx}),

    i.e. ``T = L - m_ctx`` when both have context length ``L``. The cosines
    come from one contraction ``einsum('bld,cld->bcl')`` of the normalised
    tensors: memory O(B*C*T) for the cosines plus O((B+C)*L*D) for the
    normalised copies - never a ``B x C x L x D`` broadcast.

    Args:
        caption_tokens: ``[B, L_E, D]`` caption token embeddings ``E``.
        prompt_tokens: ``[C, L_P, D]`` prompt token embeddings ``P``.
        m_ctx: shift of the prompt positions (2 in LMPT).

    Returns:
        ``[B, C]``.
    """
    if caption_tokens.dim() != 3 or prompt_tokens.dim() != 3 or \
            caption_tokens.shape[2] != prompt_tokens.shape[2]:
        raise ValueError('caption_tokens must be [B, L, D] and prompt_tokens '
                         f'[C, L, D], got {tuple(caption_tokens.shape)} and '
                         f'{tuple(prompt_tokens.shape)}')
    if m_ctx < 0:
        raise ValueError(f'm_ctx must be >= 0, got {m_ctx}')
    num_pos = min(caption_tokens.shape[1], prompt_tokens.shape[1] - m_ctx)
    if num_pos <= 0:
        raise ValueError(f'no aligned token positions: caption length '
                         f'{caption_tokens.shape[1]}, prompt length '
                         f'{prompt_tokens.shape[1]}, m_ctx {m_ctx}')
    cap = F.normalize(caption_tokens[:, :num_pos], dim=-1)  # [B, T, D]
    prm = F.normalize(prompt_tokens[:, m_ctx:m_ctx + num_pos],
                      dim=-1)  # [C, T, D]
    return 1.0 - torch.einsum('bld,cld->bcl', cap, prm).mean(dim=-1)  # [B, C]


@MODELS.register_module()
class ClassSpecificEmbeddingLoss(nn.Module):
    r"""LMPT's class-specific embedding loss as an MMPretrain loss module.

    ``forward(caption_feats, prompt_feats, targets)`` computes the distance
    (``mode``) and returns :func:`class_specific_embedding_loss` times
    ``loss_weight``:

    - ``mode='feature'``: ``caption_feats`` ``[B, D]`` (frozen text-encoder
      features of the captions), ``prompt_feats`` ``[C, D]`` (the learned
      prompts' text features); :func:`feature_distance`, cost O(B*C*D) time,
      O(B*C) extra memory.
    - ``mode='token'``: ``caption_feats`` ``[B, L, D]`` caption token
      embeddings, ``prompt_feats`` ``[C, L, D]`` prompt token embeddings;
      :func:`token_distance` (``m_ctx``), cost O(B*C*L*D) time,
      O(B*C*L) extra memory (one einsum, no B x C x L x D tensor).

    Nothing is detached: pass frozen/cached caption features so that only
    the prompts receive gradients.

    ``class_freq`` comes from the config, ``stats_file`` (pickle/JSON with
    key ``class_freq``) or :meth:`set_class_stats` (called by the head /
    a runner hook with the train dataset's ``metainfo``); zeros are clamped
    to 1 with a warning.

    Args:
        class_freq: per-class train counts ``n_i``.
        margin: base margin ``m`` of ``M_i = m / n_i^{1/4}``.
        gamma: re-weighting exponent of ``w_i``.
        mode: ``'feature'`` or ``'token'``.
        m_ctx: prompt position shift in token mode.
        loss_weight: multiplies the loss.
        reduction: ``'mean'``, ``'sum'``, ``'none'`` (``[B, C]`` weighted
            per-pair loss).
        avg_factor: default ``avg_factor`` of ``'mean'``: ``'batch'`` (the
            paper's ``1/B`` times the weighted sum), None (mean over ``B*C``,
            the LMPT code's ``.mean()``) or a number; one given to
            :meth:`forward` overrides it.
        stats_file: optional statistics file instead of ``class_freq``.
    """

    def __init__(self,
                 class_freq: Optional[StatsLike] = None,
                 margin: float = 0.2,
                 gamma: float = 0.2,
                 mode: DistanceMode = 'feature',
                 m_ctx: int = 2,
                 loss_weight: float = 1.0,
                 reduction: Reduction = 'mean',
                 stats_file: Optional[str] = None,
                 avg_factor: AvgFactor = 'batch') -> None:
        super().__init__()
        self.stats_file = stats_file
        if mode not in ('feature', 'token'):
            raise ValueError(f"mode must be 'feature' or 'token', got {mode!r}")
        check_reduction(reduction)
        self.avg_factor = check_avg_factor(avg_factor)
        self.margin = margin
        self.gamma = gamma
        self.mode = mode
        self.m_ctx = m_ctx
        self.loss_weight = loss_weight
        self.reduction = reduction
        self.class_freq, _ = resolve_class_stats(class_freq, None, stats_file)

    def set_class_stats(self,
                        class_freq: StatsLike,
                        neg_class_freq: Optional[StatsLike] = None,
                        source: str = 'the train split') -> None:
        """Set (or replace) ``class_freq``; ``neg_class_freq`` is only
        validated against it (the CSE loss does not use it). ``source`` names
        them in the warning logged when they differ from ``stats_file``'s."""
        new_freq, _ = check_class_stats(class_freq, neg_class_freq)
        self.class_freq, _ = choose_class_stats(
            (self.class_freq, None), (new_freq, None), self.stats_file, source,
            type(self).__name__)

    def forward(self,
                caption_feats: torch.Tensor,
                prompt_feats: torch.Tensor,
                targets: torch.Tensor,
                weight: Optional[torch.Tensor] = None,
                avg_factor: Optional[float] = None,
                reduction_override: Optional[Reduction] = None) -> torch.Tensor:
        """Loss from features (``'feature'``: ``[B, D]``, ``[C, D]``) or
        token embeddings (``'token'``: ``[B, L, D]``, ``[C, L, D]``) and
        ``targets`` ``[B, C]``."""
        if reduction_override is not None:
            check_reduction(reduction_override, 'reduction_override')
        reduction = reduction_override or self.reduction
        if avg_factor is None and reduction == 'mean':
            avg_factor = self.avg_factor
        if self.class_freq is None:
            raise ValueError('ClassSpecificEmbeddingLoss: missing class_freq; '
                             f'{STATS_HELP}')
        if self.mode == 'feature':
            distance = feature_distance(caption_feats, prompt_feats)
        else:
            distance = token_distance(caption_feats, prompt_feats, self.m_ctx)
        return self.loss_weight * class_specific_embedding_loss(
            distance,
            targets,
            self.class_freq,
            margin=self.margin,
            gamma=self.gamma,
            weight=weight,
            reduction=reduction,
            avg_factor=avg_factor)

    def extra_repr(self) -> str:
        num = None if self.class_freq is None else self.class_freq.numel()
        return (f'mode={self.mode!r}, margin={self.margin}, '
                f'gamma={self.gamma}, num_classes={num}, '
                f'loss_weight={self.loss_weight}, reduction={self.reduction!r}, '
                f'avg_factor={self.avg_factor!r}')
