"""LMPT: class-specific prompts with DB loss on the logits and CSE loss on captions."""
from typing import Dict, List, Optional

import torch
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample
from torch import nn

from .coop_head import CoOpHead

CAPTION_HELP = ("build the train dataset with with_caption=True and keep 'caption' in "
                "PackInputs' meta_keys (dict(type='PackInputs', meta_keys=(..., "
                "'caption'))) so every data sample carries data_sample.caption")


@MODELS.register_module()
class LMPTHead(CoOpHead):
    """LMPT head (Xia et al.): CoOp prompts trained with DB + class-specific embedding loss.

    Logits as :class:`CoOpHead` (class-specific contexts, ``n_ctx=16`` by default).
    Training loss ``L = lam * DB(z, y) + (1 - lam) * L_cse``, returned as
    ``loss_db = lam * DB`` and ``loss_cse = (1 - lam) * L_cse`` (their sum is ``L``;
    the modules' own ``loss_weight`` multiplies in as well).

    The CSE loss compares each training image's caption (``data_sample.caption``,
    a str) with every class prompt, depending on ``cse_loss.mode``:

    * ``'feature'`` (default): caption features from the frozen text encoder
      (tokenised, truncated to the context length; captions are fixed, so each is
      encoded once and cached by string) against the same prompt features ``[C, D]``
      that produce the logits - no second text-encoder pass.
    * ``'token'``: the captions' token embeddings ``[B, L, W]`` against the prompts'
      token embeddings ``[C, L, W]`` (no encoder).

    Args:
        **kwargs (arch, classes, pretrained, quick_gelu, text_encoder_cfg, thr, topk): see
            :class:`CLIPPromptHead`.
        prompt_learner: :class:`PromptLearner` args; default ``csc=True, n_ctx=16``.
        loss: the DB loss config (``class_freq``/``neg_class_freq`` there, or injected
            by :meth:`set_class_stats`).
        cse_loss: the ``ClassSpecificEmbeddingLoss`` config (``mode``, ``margin``,
            ``gamma``; ``class_freq`` as above).
        lam: weight of the DB term, ``0 <= lam <= 1``.
    """

    def __init__(self,
                 prompt_learner: Optional[dict] = None,
                 loss: dict = dict(type='DistributionBalancedLoss'),
                 cse_loss: dict = dict(type='ClassSpecificEmbeddingLoss', mode='feature'),
                 lam: float = 0.5,
                 **kwargs) -> None:
        # LMPT's prompts are class-specific unless the config says otherwise.
        super().__init__(prompt_learner={'csc': True, **(prompt_learner or {})}, loss=loss,
                         **kwargs)
        if not 0.0 <= lam <= 1.0:
            raise ValueError(f'lam must be in [0, 1], got {lam}')
        self.lam = lam
        self.cse_loss = cse_loss if isinstance(cse_loss, nn.Module) else MODELS.build(cse_loss)
        self.cse_mode = getattr(self.cse_loss, 'mode', 'feature')
        if self.cse_mode not in ('feature', 'token'):
            raise ValueError(f"cse_loss.mode must be 'feature' or 'token', got {self.cse_mode!r}")

    def loss_modules(self):
        yield from super().loss_modules()
        yield self.cse_loss

    @staticmethod
    def captions(data_samples: List[DataSample]) -> List[str]:
        """The batch's captions; a clear error if any is missing or not a str."""
        captions = []
        for i, sample in enumerate(data_samples):
            caption = sample.get('caption', None)
            if caption is None:
                img = sample.get('img_path', f'sample {i} of the batch')
                raise ValueError(f'LMPTHead needs a caption for every training image; '
                                 f'{img} has none: {CAPTION_HELP}.')
            if not isinstance(caption, str):
                raise TypeError(f'data_sample.caption must be a str, got '
                                f'{type(caption).__name__} ({caption!r:.80})')
            captions.append(caption)
        return captions

    def loss_inputs(self, data_samples: List[DataSample]) -> Dict[str, torch.Tensor]:
        """``target`` ``[B, C]`` and the captions' representation ``caption_repr``.

        ``'feature'`` mode: caption features ``[B, D]`` (frozen encoder, cached by
        string); ``'token'`` mode: caption token embeddings ``[B, L, W]``. Neither
        depends on the prompts, so neither carries a gradient.
        """
        captions = self.captions(data_samples)
        inputs = super().loss_inputs(data_samples)
        if self.cse_mode == 'feature':
            inputs['caption_repr'] = self.text_encoder.encode_texts(captions)  # [B, D]
        else:
            with torch.no_grad():
                inputs['caption_repr'] = self.text_encoder.embed_tokens(
                    self.text_encoder.tokenize(captions))  # [B, L, W]
        return inputs

    def loss_from_inputs(self, feats, target: torch.Tensor, caption_repr: torch.Tensor,
                         **kwargs) -> Dict[str, torch.Tensor]:
        """``dict(loss_db=lam * DB, loss_cse=(1 - lam) * CSE)``."""
        logits, prompt_feats = self.logits_and_text(feats)  # [B, C], [C, D]
        target = target.to(logits.device)  # [B, C]
        loss_db = self.loss_module(logits, target, **kwargs)
        # feature mode: the same prompt features [C, D] that produce the logits (no
        # second text-encoder pass); token mode: the prompts' token embeddings.
        prompt_repr = prompt_feats if self.cse_mode == 'feature' else self.prompt_learner()
        loss_cse = self.cse_loss(caption_repr.to(prompt_repr.dtype), prompt_repr, target)
        return dict(loss_db=self.lam * loss_db, loss_cse=(1.0 - self.lam) * loss_cse)
