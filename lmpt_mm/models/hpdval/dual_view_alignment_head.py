"""HP-DVAL stage 1 (DVAL) head: dual-view scores against fixed hand-crafted prompts."""
from typing import Optional, Sequence

import torch
from mmpretrain.registry import MODELS

from ..prompt.templates import SINGLE_TEMPLATE
from .dual_view_clip_head import DualViewCLIPHead, ScoreScale


@MODELS.register_module()
class DVALHead(DualViewCLIPHead):
    """Dual-view alignment head: both views scored against ``P_H``.

    ``s[i] = alpha * cos(P_H[i], f_cls) + (1 - alpha) * topk-mean_j cos(P_H[i], f_j)``
    with ``P_H`` the frozen CLIP text features of ``'a photo of a {class}.'``
    (computed once). The head has no trainable parameter: in stage 1 the student
    backbone and the embedding neck learn, from this head's classification loss
    (DB* in the paper) and the classifier's distillation loss
    (:class:`HPDVALClassifier`).

    Args: see :class:`DualViewCLIPHead`; ``loss`` defaults to DB* (class statistics
    from the config or :meth:`set_class_stats`).
    """

    def __init__(self,
                 arch: str,
                 classes: Sequence[str],
                 pretrained: Optional[str] = None,
                 quick_gelu: Optional[bool] = None,
                 alpha: float = 0.4,
                 local_topk: int = 32,
                 template: str = SINGLE_TEMPLATE,
                 score_scale: ScoreScale = 'clip',
                 loss: dict = dict(type='DistributionBalancedLoss', variant='db_star'),
                 text_encoder_cfg: Optional[dict] = None,
                 thr: Optional[float] = None,
                 topk: Optional[int] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(arch=arch, classes=classes, pretrained=pretrained,
                         quick_gelu=quick_gelu, alpha=alpha, local_topk=local_topk,
                         template=template, score_scale=score_scale, loss=loss,
                         text_encoder_cfg=text_encoder_cfg,
                         thr=thr, topk=topk, init_cfg=init_cfg)

    def forward(self, feats) -> torch.Tensor:
        """Logits ``[B, C]``."""
        text = self.hand_crafted_features()  # [C, D]
        return self.dual_view_logits(feats, text, text)
