"""CoOp: learned prompt contexts, one classification loss."""
from typing import Optional, Tuple

import torch
from mmpretrain.registry import MODELS

from ..prompt.prompt_learner import PromptLearner
from .clip_prompt_head import CLIPPromptHead, cosine_logits


@MODELS.register_module()
class CoOpHead(CLIPPromptHead):
    """CoOp head: ``z[k, i] = exp(logit_scale) * cos(f(x_k), g(prompt_i))``.

    ``prompt_i = [SOS] v_1..v_M [CLASS_i] . [EOS]`` with learned contexts ``v``
    (:class:`PromptLearner`); the ``C`` class prompts go through the frozen text
    encoder once per forward, shared by the whole batch. Only the contexts are
    trainable.

    Args:
        prompt_learner: :class:`PromptLearner` args (``n_ctx``, ``csc``, ``ctx_init``,
            ``class_token_position``, ``init_std``); its defaults otherwise.
        loss: classification loss on the logits; BCE by default, or e.g.
            ``dict(type='DistributionBalancedLoss', ...)`` (class statistics from the
            config or :meth:`set_class_stats`).
        **kwargs: :class:`CLIPPromptHead` arguments (``arch``, ``classes``,
            ``pretrained``, ``quick_gelu``, ``text_encoder_cfg``, ``thr``, ``topk``,
            ``init_cfg``).
    """

    def __init__(self,
                 prompt_learner: Optional[dict] = None,
                 loss: dict = dict(type='CrossEntropyLoss', use_sigmoid=True),
                 **kwargs) -> None:
        super().__init__(loss=loss, **kwargs)
        self.prompt_learner = PromptLearner(self.classes, self.text_encoder,
                                            **(prompt_learner or {}))

    def prompt_features(self) -> torch.Tensor:
        """Text features ``[C, D]`` of the current prompts (one text-encoder call)."""
        prompts = self.prompt_learner()  # [C, L, W]
        return self.text_encoder(prompts, self.prompt_learner.tokenized_prompts)

    def logits_and_text(self, feats) -> Tuple[torch.Tensor, torch.Tensor]:
        """``(logits [B, C], prompt features [C, D])``."""
        text = self.prompt_features()
        return cosine_logits(self.pre_logits(feats), text, self.logit_scale), text

    def forward(self, feats) -> torch.Tensor:
        """Logits ``[B, C]``."""
        return self.logits_and_text(feats)[0]
