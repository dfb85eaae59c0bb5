"""HP-DVAL: dual-view alignment learning with hierarchical prompts.

Huang, Yan, Liu, Liu, Hong, "Dual-View Alignment Learning with Hierarchical-Prompt for
Class-Imbalance Multi-Label Classification" (arXiv 2509.17747, IEEE TIP).

Stage 1 (DVAL) trains a student image encoder into CLIP's joint space
(:class:`HPDVALClassifier` + :class:`DualViewEmbeddingNeck` + :class:`DVALHead`,
distilled from a frozen CLIP teacher); stage 2 (HPT) freezes it and learns global /
local prompts (:class:`HPTHead`).

Files follow the paper's terms: ``dual_view_*`` is dual-view alignment (the fused
global + local score, the head that scores both views, stage 1's alignment head and
embedding neck), ``hierarchical_prompt_head`` the hierarchical prompts (stage 2).
"""
from .dual_view_alignment_head import DVALHead
from .dual_view_clip_head import DualViewCLIPHead
from .dual_view_embedding_neck import DualViewEmbeddingNeck, split_views
from .dual_view_scores import dual_view_scores, topk_mean
from .hpdval_classifier import HPDVALClassifier, renormalize
from .hierarchical_prompt_head import HPTHead

__all__ = [
    'dual_view_scores', 'topk_mean', 'split_views', 'renormalize',
    'DualViewEmbeddingNeck', 'DualViewCLIPHead', 'DVALHead', 'HPTHead',
    'HPDVALClassifier'
]
