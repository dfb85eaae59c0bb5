"""HP-DVAL stage 1 (DVAL) head: dual-view scores against fixed hand-crafted prompts."""

import torch
from mmpretrain.registry import MODELS

from .dual_view_clip_head import DualViewCLIPHead


@MODELS.register_module()
class DVALHead(DualViewCLIPHead):
    """Dual-view alignment head: both views scored against ``P_H``.

    ``s[i] = alpha * cos(P_H[i], f_cls) + (1 - alpha) * topk-mean_j cos(P_H[i], f_j)``
    with ``P_H`` the frozen CLIP text features of ``'a photo of a {class}.'``
    (computed once). The head has no trainable parameter: in stage 1 the student
    backbone and the embedding neck learn, from this head's classification loss
    (DB* in the paper) and the classifier's distillation loss
    (:class:`HPDVALClassifier`).

    In the HP-DVAL code's stage 1 (its ``CLIPVIT`` with the prompt learner frozen at
    ``'a photo of a'``) both views are scored against ``P_H`` computed by the text
    tower being trained (``train_text_encoder=True``); its per-view temperatures
    belong to the frozen prompt learner, so here they are fixed
    (``view_log_temperature``: not trained by this head).

    Args: see :class:`DualViewCLIPHead`; ``loss`` defaults to DB* (class statistics
    from the config or :meth:`set_class_stats`).
    """

    def __init__(self,
                 loss: dict = dict(type='DistributionBalancedLoss', variant='db_star'),
                 **kwargs) -> None:
        super().__init__(loss=loss, **kwargs)
        for temperature in (self.global_log_temperature, self.local_log_temperature):
            if temperature is not None:
                temperature.requires_grad_(False)

    def forward(self, feats) -> torch.Tensor:
        """Logits ``[B, C]``."""
        text = self.hand_crafted_features()  # [C, D]
        return self.dual_view_logits(feats, text, text)
