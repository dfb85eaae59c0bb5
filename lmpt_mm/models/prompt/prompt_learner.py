"""CoOp-style learned prompt contexts."""
from typing import List, Literal, Optional, Sequence

import torch
from mmengine.model import BaseModule
from torch import nn

from ..clip.text_encoder import CLIPTextEncoder

ClassTokenPosition = Literal['end', 'middle', 'front']


class PromptLearner(BaseModule):
    """Learned context vectors ``v_1..v_M`` assembled with each class name's tokens.

    Class ``i``'s prompt (position ``'end'``) is
    ``[SOS] v_1 .. v_M [CLASS_i] . [EOS] [pad...]`` in the token-embedding space;
    ``'middle'`` puts the class tokens after ``v_1..v_{M/2}``, ``'front'`` right after
    ``[SOS]``. Contexts are class-specific (``csc=True``: ``[C, M, W]``) or shared
    (``[M, W]``); initialised N(0, ``init_std``) or, with ``ctx_init='a photo of a'``,
    from those words' token embeddings (``M`` becomes their token count).

    The class names are tokenised once here. The fixed token embeddings around the
    contexts and the token ids are buffers derived from the class names, registered
    with ``persistent=False``: checkpoints hold only the learned contexts, and a
    checkpoint loads into a model built for a renamed or reordered class list without
    carrying stale name embeddings.

    Args:
        classes: class names, ``C`` of them.
        text_encoder: the frozen text encoder (for its tokenizer and token embedding;
            not stored).
        n_ctx: number of context tokens ``M`` (ignored when ``ctx_init`` is given).
        ctx_init: words to initialise the context from, or ``None`` for random.
        csc: class-specific contexts.
        class_token_position: ``'end'``, ``'middle'`` or ``'front'``.
        init_std: std of the random initialisation.
    """

    def __init__(self,
                 classes: Sequence[str],
                 text_encoder: CLIPTextEncoder,
                 n_ctx: int = 16,
                 ctx_init: Optional[str] = None,
                 csc: bool = False,
                 class_token_position: ClassTokenPosition = 'end',
                 init_std: float = 0.02,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if class_token_position not in ('end', 'middle', 'front'):
            raise ValueError("class_token_position must be 'end', 'middle' or 'front', got "
                             f'{class_token_position!r}')
        classes = [str(c).replace('_', ' ') for c in classes]
        if not classes:
            raise ValueError('PromptLearner needs at least one class name')
        num_classes = len(classes)
        width = text_encoder.width
        device = text_encoder.token_embedding.weight.device

        if ctx_init:
            ctx_init = ctx_init.replace('_', ' ').strip()
            n_ctx = text_encoder.token_count(ctx_init)
            init_tokens = text_encoder.tokenize([ctx_init])  # [1, L]
            with torch.no_grad():
                init_embeds = text_encoder.embed_tokens(init_tokens)[0, 1:1 + n_ctx]  # [M, W]
            ctx = init_embeds.clone().float()
            if csc:
                ctx = ctx.unsqueeze(0).repeat(num_classes, 1, 1)  # [C, M, W]
            prompt_prefix = ctx_init
        else:
            if n_ctx < 1:
                raise ValueError(f'n_ctx must be >= 1, got {n_ctx}')
            shape = (num_classes, n_ctx, width) if csc else (n_ctx, width)
            ctx = torch.empty(shape, device=device).normal_(0.0, init_std)
            prompt_prefix = ' '.join(['X'] * n_ctx)
        self.ctx = nn.Parameter(ctx)  # [C, M, W] or [M, W]
        self.n_ctx = n_ctx
        self.csc = csc
        self.class_token_position = class_token_position
        self.classes: List[str] = classes

        self.name_lens = [text_encoder.token_count(name) for name in classes]
        tokens = text_encoder.tokenize([f'{prompt_prefix} {name}.' for name in classes])
        longest = max(1 + n_ctx + n + 2 for n in self.name_lens)  # SOS ctx name . EOS
        if longest > text_encoder.context_length:
            raise ValueError(f'prompt of {longest} tokens exceeds the context length '
                             f'{text_encoder.context_length}; shorten n_ctx/ctx_init or the '
                             'class names')
        with torch.no_grad():
            embeds = text_encoder.embed_tokens(tokens)  # [C, L, W]
        self.register_buffer('tokenized_prompts', tokens, persistent=False)  # [C, L]
        self.register_buffer('token_prefix', embeds[:, :1].clone(), persistent=False)
        # [C, 1, W]: SOS
        self.register_buffer('token_suffix', embeds[:, 1 + n_ctx:].clone(), persistent=False)
        # [C, L - 1 - M, W]: class name, '.', EOS, padding

    @property
    def num_classes(self) -> int:
        return len(self.classes)

    def forward(self) -> torch.Tensor:
        """Prompt token embeddings ``[C, L, W]`` (use with :attr:`tokenized_prompts`)."""
        ctx = self.ctx
        if ctx.dim() == 2:
            ctx = ctx.unsqueeze(0).expand(self.num_classes, -1, -1)  # [C, M, W]
        prefix, suffix = self.token_prefix, self.token_suffix
        ctx = ctx.to(prefix.dtype)

        if self.class_token_position == 'end':
            # [C, 1, W] + [C, M, W] + [C, L-1-M, W] -> [C, L, W]
            return torch.cat([prefix, ctx, suffix], dim=1)

        half = self.n_ctx // 2
        prompts = []
        for i, name_len in enumerate(self.name_lens):
            name_i = suffix[i:i + 1, :name_len]  # [1, n_i, W]
            rest_i = suffix[i:i + 1, name_len:]  # [1, L-1-M-n_i, W]: '.', EOS, padding
            if self.class_token_position == 'middle':
                # [1,1,W] + [1,M/2,W] + [1,n_i,W] + [1,M-M/2,W] + [1,L-1-M-n_i,W] -> [1,L,W]
                parts = [prefix[i:i + 1], ctx[i:i + 1, :half], name_i, ctx[i:i + 1, half:],
                         rest_i]
            else:  # front
                # [1,1,W] + [1,n_i,W] + [1,M,W] + [1,L-1-M-n_i,W] -> [1,L,W]
                parts = [prefix[i:i + 1], name_i, ctx[i:i + 1], rest_i]
            prompts.append(torch.cat(parts, dim=1))
        return torch.cat(prompts, dim=0)  # [C, L, W]
