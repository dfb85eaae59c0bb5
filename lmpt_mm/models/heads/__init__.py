"""Heads: zero-shot CLIP, CoOp, CoCoOp, DualCoOp, LMPT, HP-DVAL's and LTML's.

HP-DVAL (Huang et al., "Dual-View Alignment Learning with Hierarchical-Prompt for
Class-Imbalance Multi-Label Classification", IEEE TIP): stage 1 trains a student image
encoder into CLIP's joint space (``HPDVALClassifier`` + ``DualViewEmbeddingNeck`` +
:class:`DVALHead`, distilled from a frozen CLIP teacher); stage 2 freezes it and learns
global / local prompts (:class:`HPTHead`). Both score the global and the local view
(:class:`DualViewCLIPHead`, :func:`dual_view_scores`).

LTML (Guo and Wang, CVPR 2021): :class:`LTMLHead`, two last-stage branches on a shared
ResNet trunk, trained with :func:`~lmpt_mm.models.losses.collaborative_loss` on the
batches of :class:`~lmpt_mm.datasets.samplers.UniformClassAwarePairSampler`.
"""
from .clip_prompt_head import CLIPPromptHead, cosine_logits
from .cocoop_head import CoCoOpHead
from .coop_head import CoOpHead
from .dual_view_clip_head import DualViewCLIPHead
from .dual_view_scores import dual_view_scores, topk_mean
from .dualcoop_head import DualCoOpHead, aggregate_regions
from .dval_head import DVALHead
from .hpt_head import HPTHead
from .lmpt_head import LMPTHead
from .ltml_head import LTMLHead
from .zero_shot_clip_head import ZeroShotCLIPHead

__all__ = [
    'CLIPPromptHead', 'cosine_logits', 'ZeroShotCLIPHead', 'CoOpHead', 'CoCoOpHead',
    'DualCoOpHead', 'aggregate_regions', 'LMPTHead', 'DualViewCLIPHead', 'DVALHead',
    'HPTHead', 'dual_view_scores', 'topk_mean', 'LTMLHead'
]
