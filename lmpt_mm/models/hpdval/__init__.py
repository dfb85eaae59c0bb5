"""HP-DVAL (Huang et al., TIP): dual-view alignment with hierarchical prompts.

Stage 1 (DVAL) trains a student image encoder into CLIP's joint space
(:class:`HPDVALClassifier` + :class:`DualViewEmbeddingNeck` + :class:`DVALHead`,
distilled from a frozen CLIP teacher); stage 2 (HPT) freezes it and learns global /
local prompts (:class:`HPTHead`). Paper: Huang, Yan, Liu, Liu, Hong,
"Dual-View Alignment Learning with Hierarchical-Prompt for Class-Imbalance Multi-Label
Classification" (arXiv 2509.17747, IEEE TIP).
"""
from .dual_view import dual_view_scores, topk_mean
from .dual_view_head import DualViewCLIPHead
from .dval_head import DVALHead
from .embedding_neck import DualViewEmbeddingNeck, split_views
from .hpdval_classifier import HPDVALClassifier, renormalize
from .hpt_head import HPTHead

__all__ = [
    'dual_view_scores', 'topk_mean', 'split_views', 'renormalize',
    'DualViewEmbeddingNeck', 'DualViewCLIPHead', 'DVALHead', 'HPTHead',
    'HPDVALClassifier'
]
