"""CoCoOp: CoOp's context plus a per-image token from a meta-network."""
from typing import Dict, Optional

import torch
import torch.nn.functional as F
from mmpretrain.registry import MODELS

from lmpt_mm.utils.tensor_memo import TensorMemo

from ..prompt.conditional_prompt_learner import ConditionalPromptLearner
from .clip_prompt_head import CLIPPromptHead


@MODELS.register_module()
class CoCoOpHead(CLIPPromptHead):
    r"""CoCoOp head (Zhou et al., CVPR 2022, eq. 4), scored per class for multi-label:

    .. math::
        z_{ki} = e^{s} \cos\big(f(x_k),\ g(t_i(x_k))\big), \qquad
        t_i(x) = [v_1 + \pi(x), .., v_M + \pi(x), c_i], \quad
        \pi(x) = h_\theta\big(f(x) / \lVert f(x) \rVert\big)

    with :class:`ConditionalPromptLearner` (``v``, :math:`h_\theta`), the frozen
    text encoder ``g`` and CLIP's frozen logit scale ``s``. The meta-network sees the
    L2-normalised image feature, as the CoCoOp release feeds it
    (``trainers/cocoop.py``, ``CustomCLIP.forward``). Trainable: the context and the
    meta-network.

    Every image has its own ``C`` prompts, so a step encodes ``B x C`` prompts: they
    go through the text encoder as one batch (``[B * C, L', W]``, truncated at the
    last end-of-text token; ``text_encoder_cfg.class_chunk_size`` bounds the memory),
    and the image features may come from the feature cache (the image tower is
    frozen). Unlike CoOp's, the text features depend on the image and are not reused
    across evaluation batches.

    Args:
        prompt_learner: :class:`ConditionalPromptLearner` args (``n_ctx``,
            ``ctx_init``, ``hidden_ratio``, ``init_std``); its defaults otherwise.
        loss: classification loss on the logits; BCE by default, or e.g.
            ``dict(type='DistributionBalancedLoss', ...)``.
        **kwargs: :class:`CLIPPromptHead` arguments.
    """

    def __init__(self,
                 prompt_learner: Optional[dict] = None,
                 loss: dict = dict(type='CrossEntropyLoss', use_sigmoid=True),
                 **kwargs) -> None:
        super().__init__(loss=loss, **kwargs)
        self.prompt_learner = ConditionalPromptLearner(
            self.classes, self.text_encoder, image_dim=self.text_encoder.output_dim,
            **(prompt_learner or {}))
        # token ids repeated per batch size, kept while the token buffer is unchanged
        # (the text encoder memoises its layout on the tensor object)
        self._token_rows = TensorMemo(max_entries=4)

    def _tokens_for(self, num_images: int) -> torch.Tensor:
        """``[B * C, L]``: the class prompts' token ids, image after image."""
        tokens = self.prompt_learner.tokenized_prompts  # [C, L]
        by_size: Optional[Dict[int, torch.Tensor]] = self._token_rows.get(tokens)
        if by_size is None:
            by_size = self._token_rows.put(tokens, {})
        if num_images not in by_size:
            by_size[num_images] = tokens.repeat(num_images, 1)
        return by_size[num_images]

    def image_text_features(self, image_feats: torch.Tensor) -> torch.Tensor:
        """Text features ``[B, C, D]`` of image ``k``'s prompts, for features ``[B, D]``."""
        prompts = self.prompt_learner(F.normalize(image_feats.float(), dim=-1))
        num_images, num_classes = prompts.shape[:2]  # [B, C, L', W]
        text = self.text_encoder(prompts.flatten(0, 1), self._tokens_for(num_images))
        return text.view(num_images, num_classes, -1)  # [B * C, D] -> [B, C, D]

    def forward(self, feats) -> torch.Tensor:
        """Logits ``[B, C]`` (float32)."""
        image = self.pre_logits(feats)  # [B, D]
        text = F.normalize(self.image_text_features(image), dim=-1)  # [B, C, D]
        image = F.normalize(image.float(), dim=-1)
        cos = torch.einsum('bd,bcd->bc', image, text)  # [B, C]
        return self.logit_scale.float().exp() * cos
