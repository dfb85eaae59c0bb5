"""CLIP prompt heads: zero-shot CLIP, CoOp, CoCoOp, DualCoOp and LMPT."""
from .clip_prompt_head import CLIPPromptHead, cosine_logits
from .cocoop_head import CoCoOpHead
from .coop_head import CoOpHead
from .dualcoop_head import DualCoOpHead, aggregate_regions
from .lmpt_head import LMPTHead
from .zero_shot_clip_head import ZeroShotCLIPHead

__all__ = [
    'CLIPPromptHead', 'cosine_logits', 'ZeroShotCLIPHead', 'CoOpHead', 'CoCoOpHead',
    'DualCoOpHead', 'aggregate_regions', 'LMPTHead'
]
