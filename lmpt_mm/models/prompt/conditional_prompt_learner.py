"""CoCoOp's instance-conditioned prompts (Zhou et al., "Conditional Prompt Learning for
Vision-Language Models", CVPR 2022)."""
from collections import OrderedDict
from typing import Optional, Sequence

import torch
from torch import nn

from ..clip.text_encoder import CLIPTextEncoder
from .prompt_learner import PromptLearner


class ConditionalPromptLearner(PromptLearner):
    r"""Shared context ``v_1..v_M`` shifted per image by a meta-network's token.

    CoCoOp (Zhou et al., CVPR 2022, Sec. 3.2, eq. 3-4): a light meta-network
    :math:`h_\theta` maps the image feature ``x`` to one token
    :math:`\pi = h_\theta(x)` that is added to every context vector,
    :math:`v_m(x) = v_m + \pi`; class ``i``'s prompt for image ``x`` is
    :math:`t_i(x) = \{v_1(x), .., v_M(x), c_i\}`. :math:`h_\theta` is
    ``Linear(D, D // hidden_ratio) - ReLU - Linear(D // hidden_ratio, W)`` (the CoCoOp
    release's ``meta_net``, ``trainers/cocoop.py`` of ``KaiyangZhou/CoOp``, with
    ``hidden_ratio=16``; its layer names, so its checkpoints' keys match), ``D`` the
    image feature width, ``W`` the token-embedding width. Contexts are shared by all
    classes and the class token comes last, the only form CoCoOp defines.

    :meth:`forward` builds the ``B x C`` prompts only up to the text encoder's used
    length ``L'`` (:meth:`CLIPTextEncoder.used_length`), so the padding of
    ``B x C`` sequences is never materialised.

    Args:
        classes, text_encoder: as :class:`PromptLearner`.
        image_dim: ``D``, the width of the image features fed to :meth:`forward`.
        n_ctx: context tokens ``M`` when ``ctx_init`` is ``None`` (random N(0,
            ``init_std``) init).
        ctx_init: words to initialise the context from (``M`` = their token count);
            CoCoOp's default ``'a photo of a'``.
        hidden_ratio: the meta-network's hidden width is ``D // hidden_ratio``.
        init_std: std of a random context init.
    """

    def __init__(self,
                 classes: Sequence[str],
                 text_encoder: CLIPTextEncoder,
                 image_dim: int,
                 n_ctx: int = 4,
                 ctx_init: Optional[str] = 'a photo of a',
                 hidden_ratio: int = 16,
                 init_std: float = 0.02,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(classes, text_encoder, n_ctx=n_ctx, ctx_init=ctx_init, csc=False,
                         class_token_position='end', init_std=init_std,
                         init_cfg=init_cfg)
        if hidden_ratio < 1 or image_dim // hidden_ratio < 1:
            raise ValueError(f'hidden_ratio must be in [1, image_dim={image_dim}], got '
                             f'{hidden_ratio}')
        hidden = image_dim // hidden_ratio
        self.meta_net = nn.Sequential(OrderedDict([
            ('linear1', nn.Linear(image_dim, hidden)),
            ('relu', nn.ReLU(inplace=True)),
            ('linear2', nn.Linear(hidden, text_encoder.width)),
        ])).to(text_encoder.token_embedding.weight.device)
        self.image_dim = image_dim
        # L': the positions the text encoder reads of these prompts (fixed by the
        # class names, so computed once).
        self.used_length = text_encoder.used_length(self.tokenized_prompts)

    def forward(self, image_feats: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        """Prompt embeddings ``[B, C, L', W]`` for image features ``[B, D]``.

        Use with :attr:`tokenized_prompts` repeated ``B`` times (``[B * C, L]``).
        """
        if image_feats.dim() != 2 or image_feats.shape[1] != self.image_dim:
            raise ValueError(f'expected image features [B, {self.image_dim}], got '
                             f'{tuple(image_feats.shape)}')
        prefix = self.token_prefix  # [C, 1, W]: SOS
        bias = self.meta_net(image_feats.to(self.ctx.dtype))  # [B, W]: pi = h(x)
        ctx = self.ctx.unsqueeze(0) + bias.unsqueeze(1)  # [1, M, W] + [B, 1, W] -> [B, M, W]
        num_images, num_classes = ctx.shape[0], self.num_classes
        suffix = self.token_suffix[:, :self.used_length - 1 - self.n_ctx]  # [C, L'-1-M, W]
        # [B, C, 1, W] + [B, C, M, W] + [B, C, L'-1-M, W] -> [B, C, L', W]
        return torch.cat([
            prefix.unsqueeze(0).expand(num_images, -1, -1, -1),
            ctx.to(prefix.dtype).unsqueeze(1).expand(-1, num_classes, -1, -1),
            suffix.unsqueeze(0).expand(num_images, -1, -1, -1),
        ], dim=2)
