"""DualCoOp: positive and negative learned prompts, class-specific region aggregation."""
from typing import Optional

import torch
from mmpretrain.registry import MODELS

from ..prompt.prompt_learner import PromptLearner
from .clip_prompt_head import CLIPPromptHead, cosine_logits


def aggregate_regions(local_logits: torch.Tensor, pos_logits: torch.Tensor,
                      spatial_scale: float = 1.0) -> torch.Tensor:
    """Class-specific region aggregation of DualCoOp.

    ``a[k, j, i] = softmax_j(spatial_scale * pos_logits[k, j, i])`` is a spatial
    attention per image and class from the positive prompts' region logits;
    ``out[k, i] = sum_j a[k, j, i] * local_logits[k, j, i]``.

    Args:
        local_logits: ``[B, N, C]`` region logits to aggregate.
        pos_logits: ``[B, N, C]`` positive region logits that define the attention.
    Returns:
        ``[B, C]``.
    """
    attn = torch.softmax(spatial_scale * pos_logits, dim=1)  # [B, N, C]
    return (attn * local_logits).sum(dim=1)  # [B, C]


@MODELS.register_module()
class DualCoOpHead(CLIPPromptHead):
    """DualCoOp head (Sun et al., NeurIPS 2022).

    Each class has a positive and a negative learned prompt (two
    :class:`PromptLearner`, ``n_ctx=16`` each, ``csc`` configurable). The local tokens
    ``f_j`` (``[B, N, D]``, backbone built with ``return_local=True``) give region
    logits ``s+[k, j, i]``, ``s-[k, j, i]`` (``exp(logit_scale) * cos``); both are
    aggregated over regions with the spatial softmax of the positive logits
    (:func:`aggregate_regions`), giving ``p[k, i]`` and ``n[k, i]``. The positive
    and negative logits of a class form a 2-way softmax, whose positive probability
    ``exp(p) / (exp(p) + exp(n)) = sigmoid(p - n)``; the head therefore returns the
    logit ``z = p - n``, so the usual per-class sigmoid score *is* the 2-way softmax
    probability, and the asymmetric loss (``use_sigmoid=True``) on ``z`` is the ASL on
    those probabilities.

    Args:
        **kwargs (arch, classes, pretrained, quick_gelu, text_encoder_cfg, thr, topk): see
            :class:`CLIPPromptHead`.
        prompt_learner: :class:`PromptLearner` args shared by both prompt sets.
        spatial_scale: multiplies the positive logits inside the spatial softmax.
        loss: default MMPretrain's ``AsymmetricLoss`` with its default focusing
            parameters (``gamma_neg=4``, ``clip=0.05``).
    """

    def __init__(self,
                 prompt_learner: Optional[dict] = None,
                 spatial_scale: float = 1.0,
                 loss: dict = dict(type='AsymmetricLoss', use_sigmoid=True),
                 **kwargs) -> None:
        super().__init__(loss=loss, **kwargs)
        cfg = prompt_learner or {}
        self.pos_prompt_learner = PromptLearner(self.classes, self.text_encoder, **cfg)
        self.neg_prompt_learner = PromptLearner(self.classes, self.text_encoder, **cfg)
        self.spatial_scale = spatial_scale

    def prompt_features(self) -> torch.Tensor:
        """Text features ``[2C, D]``: positive prompts then negative ones, one encoder call."""
        prompts = torch.cat([self.pos_prompt_learner(), self.neg_prompt_learner()])
        # [C, L, W] + [C, L, W] -> [2C, L, W]
        tokens = torch.cat([self.pos_prompt_learner.tokenized_prompts,
                            self.neg_prompt_learner.tokenized_prompts])  # [2C, L]
        return self.text_encoder(prompts, tokens)

    def forward(self, feats) -> torch.Tensor:
        """Logits ``z = p - n`` ``[B, C]`` (``sigmoid(z)`` = 2-way softmax probability)."""
        local = self.local_tokens(feats, type(self).__name__)  # [B, N, D]
        region_logits = cosine_logits(local, self.prompt_features(), self.logit_scale)
        # [B, N, 2C]
        pos, neg = region_logits.split(self.num_classes, dim=-1)  # [B, N, C] each
        pos_logit = aggregate_regions(pos, pos, self.spatial_scale)  # [B, C]
        neg_logit = aggregate_regions(neg, pos, self.spatial_scale)  # [B, C]
        return pos_logit - neg_logit
