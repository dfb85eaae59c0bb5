"""Zero-shot CLIP: hand-written prompts, no training."""
from typing import Dict, List

import torch
import torch.nn.functional as F
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

from ..prompt.templates import TemplateSpec, resolve_templates
from .clip_prompt_head import CLIPPromptHead, cosine_logits


@MODELS.register_module()
class ZeroShotCLIPHead(CLIPPromptHead):
    """Zero-shot CLIP head: ``z[k, i] = exp(logit_scale) * cos(f(x_k), t_i)``.

    ``t_i`` is the text feature of class ``i``'s hand-written prompt; with several
    templates, the ensemble ``t_i = normalize(mean_j normalize(g(template_j(class_i))))``.
    The class features are computed once, on the first forward (on the model's device),
    and kept as a non-persistent buffer: they derive from the class names and are never
    saved in checkpoints. The head has no trainable parameter; it is evaluated with
    ``tools/test.py`` / ``runner.test()`` without a checkpoint (``load_from=None``), and
    :meth:`loss` raises.

    Args:
        **kwargs (arch, classes, pretrained, quick_gelu, text_encoder_cfg, thr, topk): see
            :class:`CLIPPromptHead`.
        templates: ``'single'`` (``'a photo of a {}.'``), ``'ensemble'`` (CLIP's 80
            ImageNet templates), ``'ensemble7'`` or a list of format strings.
    """

    def __init__(self, templates: TemplateSpec = 'single', **kwargs) -> None:
        super().__init__(loss=None, **kwargs)
        self.templates = resolve_templates(templates)
        self.register_buffer('class_text_features', None, persistent=False)  # [C, D]

    @torch.no_grad()
    def compute_text_features(self) -> torch.Tensor:
        """Ensembled, normalised class text features ``[C, D]``."""
        names = [c.replace('_', ' ') for c in self.classes]
        feats = 0
        for template in self.templates:
            tokens = self.text_encoder.tokenize([template(n) for n in names])  # [C, L]
            feats = feats + F.normalize(self.text_encoder.encode_tokens(tokens), dim=-1)
        return F.normalize(feats / len(self.templates), dim=-1)  # [C, D]

    def text_features(self) -> torch.Tensor:
        if self.class_text_features is None:
            self.class_text_features = self.compute_text_features()
        return self.class_text_features

    def forward(self, feats) -> torch.Tensor:
        """Logits ``[B, C]``."""
        return cosine_logits(self.pre_logits(feats), self.text_features(), self.logit_scale)

    def loss(self, feats, data_samples: List[DataSample], **kwargs) -> Dict:
        raise RuntimeError('ZeroShotCLIPHead has nothing to train: evaluate zero-shot '
                           'configs with tools/test.py (runner.test() with load_from=None); '
                           'use CoOpHead / LMPTHead to learn prompts.')
