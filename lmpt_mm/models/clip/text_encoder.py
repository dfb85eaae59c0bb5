"""Frozen CLIP text encoder that accepts prompt token embeddings."""
import copy
import functools
import weakref
from typing import Dict, List, NamedTuple, Optional, Sequence, Tuple, Union

import open_clip
import torch
import torch.nn.functional as F
from open_clip.transformer import text_global_pool
from torch import nn
from torch.utils.checkpoint import checkpoint

from lmpt_mm.utils.logging import warn_once
from lmpt_mm.utils.tensor_memo import TensorMemo

from .freeze import freeze_module


# Texts of the probe that checks the lean path against open_clip's encode_text.
PROBE_TEXTS = ('a photo of a cat.', 'two dogs beside a red traffic light')
# Largest |lean - open_clip| of the probe features, relative to their largest |value|:
# float rounding of a different attention kernel stays orders of magnitude below.
PROBE_RTOL = 1e-4
# open_clip model -> None (lean path matches) or why it is off; one probe per model.
_probe_verdicts: 'weakref.WeakKeyDictionary[nn.Module, Optional[str]]' = \
    weakref.WeakKeyDictionary()


def lean_blocks_unsupported(transformer: nn.Module) -> Optional[str]:
    """Why :func:`lean_block` cannot stand for the transformer's blocks (None: it may).

    Checks the parts it reads (batch-first input, ``ln_1``/``ln_2``/``mlp``/``ls_*``, a
    fused ``in_proj`` with bias, ``out_proj``, ``num_heads``) and the features of
    ``nn.MultiheadAttention`` it does not implement; whether the maths agree is for the
    probe (:meth:`CLIPTextEncoder.lean_path_problem`).
    """
    if not getattr(transformer, 'batch_first', False):
        return 'the transformer is not batch-first'
    for i, block in enumerate(transformer.resblocks):
        attn = getattr(block, 'attn', None)
        missing = [name for name in ('ln_1', 'ln_2', 'mlp', 'ls_1', 'ls_2')
                   if not hasattr(block, name)]
        missing += [f'attn.{name}' for name in ('in_proj_weight', 'in_proj_bias',
                                                'out_proj', 'num_heads')
                    if getattr(attn, name, None) is None]
        if missing:
            return f'block {i} ({type(block).__name__}) has no {", ".join(missing)}'
        if hasattr(block, 'ln_1_kv'):
            return f'block {i} is a cross-attention block'
        if isinstance(attn, nn.MultiheadAttention) and (
                not attn.batch_first or not attn._qkv_same_embed_dim
                or attn.bias_k is not None or attn.add_zero_attn or attn.dropout > 0):
            return (f'block {i} uses nn.MultiheadAttention options the lean path does '
                    'not implement (separate q/k/v widths, bias_k/v, zero attention or '
                    'dropout)')
    return None


def is_causal_mask(mask: Optional[torch.Tensor]) -> bool:
    """True for CLIP's additive causal mask (0 on and below the diagonal, -inf above)."""
    if mask is None or mask.dim() != 2 or mask.shape[0] != mask.shape[1]:
        return False
    upper = torch.triu(torch.ones_like(mask, dtype=torch.bool), diagonal=1)
    return bool(torch.all(mask[~upper] == 0) and torch.all(torch.isneginf(mask[upper])))


def lean_block(block: nn.Module, x: torch.Tensor, attn_mask: Optional[torch.Tensor],
               causal: bool) -> torch.Tensor:
    """open_clip's ``ResidualAttentionBlock`` on ``x`` ``[N, L, W]``, same weights.

    ``x + ls_1(MHA(ln_1(x)))`` then ``+ ls_2(MLP(ln_2(.)))``, with the attention
    written as one input projection, ``scaled_dot_product_attention`` (``is_causal``
    for CLIP's causal mask) and the output projection. Same maths as
    ``nn.MultiheadAttention``; its Python argument handling costs more than the
    attention itself at prompt sizes (tens of tokens), on every training step.
    """
    attn = block.attn
    n, length, width = x.shape
    heads = attn.num_heads
    qkv = F.linear(block.ln_1(x), attn.in_proj_weight, attn.in_proj_bias)  # [N, L, 3W]
    q, k, v = qkv.view(n, length, 3, heads, width // heads).permute(2, 0, 3, 1, 4)
    if causal:
        out = F.scaled_dot_product_attention(q, k, v, is_causal=True)  # [N, h, L, W/h]
    else:
        mask = None if attn_mask is None else attn_mask.to(q.dtype)
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    out = out.transpose(1, 2).reshape(n, length, width)
    x = x + block.ls_1(F.linear(out, attn.out_proj.weight, attn.out_proj.bias))
    return x + block.ls_2(block.mlp(block.ln_2(x)))


@functools.lru_cache(maxsize=None)
def clip_tokenizer(arch: str):
    """open_clip's tokenizer of ``arch``, built once per process and shared.

    Building one reads and parses its BPE vocabulary (~0.1 s), and a model builds a
    text encoder per CLIP head, prompt learner and teacher; the tokenizer holds no
    per-encoder state (its only mutable field is a memo of encoded words).
    """
    return open_clip.get_tokenizer(arch)


class Layout(NamedTuple):
    """How a token tensor ``[N, L]`` is encoded: ``chunks`` of ``(rows, L', pooled
    positions)`` (rows a slice or an index tensor), ``inverse`` the permutation that
    restores the input order (``None``: chunks are in input order), ``pos`` all
    pooled positions ``[N]``."""
    chunks: List[Tuple[object, int, Optional[torch.Tensor]]]
    inverse: Optional[torch.Tensor]
    pos: Optional[torch.Tensor]


class CLIPTextEncoder(nn.Module):
    """CLIP's text tower, frozen, fed with token *embeddings* so prompts can be learned.

    ``g(prompt)`` for learned prompts: token embeddings ``[N, L, W]`` (``L`` = context
    length, ``W`` = text width) plus the token ids ``[N, L]`` that locate each
    sequence's end-of-text token, whose final hidden state, projected, is the text
    feature ``[N, D]`` in CLIP's joint space (not normalised).

    The encoder is copied out of the (possibly cached, shared) open_clip model and
    frozen: parameters never require grad and :meth:`train` keeps it in eval mode.
    Gradients still flow *through* it to the prompt embeddings.

    Args:
        clip_model: an open_clip ``CLIP`` model (from :func:`load_clip`).
        arch: its open_clip name, for :func:`open_clip.get_tokenizer`.
        grad_checkpointing: recompute the transformer's activations in backward
            (saves memory of ``N x L x W`` per layer for many classes).
        class_chunk_size: encode at most this many sequences at once (``None``: all);
            a seam for memory-bound settings - the result is the same.
        truncate_to_eot: run the transformer on the first ``max_n(eot_n) + 1``
            positions only. Exact under CLIP's causal mask: position ``i`` attends to
            positions ``<= i`` only, so the padding after the pooled end-of-text token
            never reaches the text feature. Prompts of ~10 tokens in a 77-token
            context make the text side (forward and backward) several times cheaper;
            results differ from the full-length pass by float rounding only. With
            ``class_chunk_size``, each chunk is truncated at its own last end-of-text
            token.
        group_by_length: with ``class_chunk_size``, fill the chunks with prompts
            ordered by end-of-text position (the features come back in input order),
            so each chunk's truncation is as short as its longest prompt. Exact: a
            sequence's feature does not depend on the others in its batch.
        compile: run the transformer stack (plus final norm, pooling, projection)
            through ``torch.compile`` (``True``, or a dict of ``torch.compile``
            arguments, e.g. ``dict(backend='inductor', mode='max-autotune')``). Off
            by default: on CPU at prompt sizes it did not pay for its compile time
            (``docs/benchmark.md``); the first call of each prompt length compiles.
    """

    def __init__(self,
                 clip_model: nn.Module,
                 arch: str,
                 grad_checkpointing: bool = False,
                 class_chunk_size: Optional[int] = None,
                 truncate_to_eot: bool = True,
                 group_by_length: bool = False,
                 compile: Union[bool, dict] = False) -> None:
        super().__init__()
        if not hasattr(clip_model, 'token_embedding'):
            raise ValueError(f"open_clip model '{arch}' has a custom text tower; "
                             'CLIPTextEncoder supports the standard CLIP text transformer.')
        self.transformer = copy.deepcopy(clip_model.transformer)
        self.token_embedding = copy.deepcopy(clip_model.token_embedding)
        self.positional_embedding = copy.deepcopy(clip_model.positional_embedding)
        self.ln_final = copy.deepcopy(clip_model.ln_final)
        self.text_projection = copy.deepcopy(clip_model.text_projection)
        self.register_buffer('attn_mask', clip_model.attn_mask.clone(), persistent=False)
        self.pool_type = clip_model.text_pool_type
        self.eos_id = getattr(clip_model, 'text_eos_id', None)
        self.context_length = clip_model.context_length
        self.transformer.grad_checkpointing = grad_checkpointing
        if class_chunk_size is not None and class_chunk_size < 1:
            raise ValueError(f'class_chunk_size must be >= 1 or None, got {class_chunk_size}')
        self.class_chunk_size = class_chunk_size
        # Only pooling at a token position with a causal mask leaves the tail unused.
        self.truncate_to_eot = (truncate_to_eot and self.attn_mask is not None
                                and self.pool_type in ('argmax', 'eos', 'first'))
        self.group_by_length = group_by_length
        if not isinstance(compile, (bool, dict)):
            raise TypeError(f'compile must be a bool or a dict of torch.compile '
                            f'arguments, got {compile!r}')
        self.compile_cfg = (dict(compile) if isinstance(compile, dict)
                            else {} if compile else None)
        self._compiled = None
        self._layout_memo = TensorMemo()
        self._causal_mask = is_causal_mask(self.attn_mask)
        self.tokenizer = clip_tokenizer(arch)
        # Fixed texts (captions, hand-written prompts) -> feature [D]; see encode_texts.
        self._text_cache: Dict[str, torch.Tensor] = {}
        freeze_module(self)
        if clip_model not in _probe_verdicts:
            _probe_verdicts[clip_model] = self.lean_path_problem(clip_model)
        problem = _probe_verdicts[clip_model]
        self._lean_blocks = problem is None
        if problem is not None:
            warn_once(f"CLIPTextEncoder ('{arch}'): the lean attention path is off, "
                      f"open_clip's own blocks run instead: {problem}")

    @torch.no_grad()
    def lean_path_problem(self, clip_model: nn.Module) -> Optional[str]:
        """Why the lean blocks must not run for ``clip_model`` (None: they match).

        A structural check (:func:`lean_blocks_unsupported`), then a probe: the text
        features of :data:`PROBE_TEXTS` through the lean blocks (truncated after the
        end-of-text token, as every call is) against open_clip's own
        ``clip_model.encode_text`` (same weights, full context). Run once per open_clip
        model (the verdict is cached), so an open_clip release whose block computes
        something else turns the fast path off with a warning instead of changing the
        features.
        """
        reason = lean_blocks_unsupported(self.transformer)
        if reason is not None:
            return reason
        tokens = self.tokenize(PROBE_TEXTS)  # [2, L]
        ref = clip_model.encode_text(tokens).float()  # [2, D]
        self._lean_blocks = True
        pos = self.pooled_positions(tokens)  # [2] or None
        n = int(pos.max()) + 1 if self.truncate_to_eot and pos is not None \
            else tokens.shape[1]
        lean = self._encode_truncated(self.embed_tokens(tokens)[:, :n], tokens[:, :n],
                                      pos).float()
        scale = ref.abs().max().clamp(min=1e-12)
        diff = (lean - ref).abs().max()
        if not torch.isfinite(diff) or diff > PROBE_RTOL * scale:
            return (f'on a probe of {len(PROBE_TEXTS)} prompts its text features differ '
                    f'from open_clip\'s encode_text by {diff.item():.3g} (largest '
                    f'|value| {scale.item():.3g})')
        return None

    @property
    def width(self) -> int:
        return self.token_embedding.embedding_dim

    @property
    def output_dim(self) -> int:
        """``D``, the width of the text features (CLIP's joint space)."""
        proj = self.text_projection
        return proj.out_features if isinstance(proj, nn.Linear) else proj.shape[1]

    def train(self, mode: bool = True) -> 'CLIPTextEncoder':
        """Stay in eval mode: the text tower is frozen."""
        return super().train(False)

    def tokenize(self, texts: Sequence[str]) -> torch.Tensor:
        """Token ids ``[N, L]``; texts longer than the context are truncated (EOT kept)."""
        return self.tokenizer(list(texts), context_length=self.context_length).to(
            self.token_embedding.weight.device)

    def token_count(self, text: str) -> int:
        """Number of BPE tokens of ``text`` without start/end tokens."""
        return len(self.tokenizer.encode(text))

    def embed_tokens(self, tokens: torch.Tensor) -> torch.Tensor:
        """Token embeddings ``[N, L, W]`` of token ids ``[N, L]``."""
        return self.token_embedding(tokens)

    def pooled_positions(self, tokens: torch.Tensor) -> Optional[torch.Tensor]:
        """Position ``[N]`` of each sequence's pooled token (``None``: 'last'/'none')."""
        if self.pool_type == 'argmax':  # OpenAI BPE: end-of-text has the largest id
            return tokens.argmax(dim=-1)
        if self.pool_type == 'eos':
            return (tokens == self.eos_id).int().argmax(dim=-1)
        if self.pool_type == 'first':
            return torch.zeros(tokens.shape[0], dtype=torch.long, device=tokens.device)
        return None

    def _layout(self, tokens: torch.Tensor) -> 'Layout':
        """How ``tokens`` are encoded (:class:`Layout`), memoised per token tensor.

        Learned prompts pass the same token buffer every step; remembering its layout
        saves device-to-host syncs (the truncation lengths) per step (see
        :class:`TensorMemo`).
        """
        layout = self._layout_memo.get(tokens)
        if layout is not None:
            return layout
        pos = self.pooled_positions(tokens)
        num, length = tokens.shape
        chunk = self.class_chunk_size or max(num, 1)
        order = None
        if self.group_by_length and pos is not None and num > chunk:
            order = torch.argsort(pos, stable=True)  # [N]
        chunks = []
        for start in range(0, num, chunk):
            rows = (order[start:start + chunk] if order is not None
                    else slice(start, start + chunk))
            n = length
            if self.truncate_to_eot and pos is not None and pos[rows].numel():
                n = int(pos[rows].max()) + 1
            chunks.append((rows, n, None if pos is None else pos[rows]))
        inverse = None if order is None else torch.argsort(order)
        return self._layout_memo.put(tokens, Layout(chunks, inverse, pos))

    def used_length(self, tokens: torch.Tensor) -> int:
        """Number of leading positions ``L'`` the pooled features depend on (longest chunk)."""
        return max((n for _, n, _ in self._layout(tokens).chunks), default=tokens.shape[1])

    def _transformer(self, x: torch.Tensor, attn_mask: Optional[torch.Tensor]) -> torch.Tensor:
        """The text transformer on ``[N, L', W]``; standard blocks take the lean path."""
        if not self._lean_blocks:
            return self.transformer(x, attn_mask=attn_mask)
        causal = self._causal_mask
        for block in self.transformer.resblocks:
            if self.transformer.grad_checkpointing and torch.is_grad_enabled():
                x = checkpoint(lean_block, block, x, attn_mask, causal, use_reentrant=False)
            else:
                x = lean_block(block, x, attn_mask, causal)
        return x

    def _encode(self, embeds: torch.Tensor, tokens: torch.Tensor, n: int,
                pos: Optional[torch.Tensor]) -> torch.Tensor:
        embeds, tokens = embeds[:, :n], tokens[:, :n]  # [N, L', W], [N, L']
        if self.compile_cfg is not None:
            if self._compiled is None:
                self._compiled = torch.compile(self._encode_truncated, **self.compile_cfg)
            return self._compiled(embeds, tokens, pos)
        return self._encode_truncated(embeds, tokens, pos)

    def _encode_truncated(self, embeds: torch.Tensor, tokens: torch.Tensor,
                          pos: Optional[torch.Tensor]) -> torch.Tensor:
        """Features ``[N, D]`` of sequences already cut to their used length ``L'``."""
        n = embeds.shape[1]
        x = embeds + self.positional_embedding[:n].to(embeds.dtype)  # [N, L', W]
        attn_mask = None if self.attn_mask is None else self.attn_mask[:n, :n]
        x = self._transformer(x, attn_mask)  # [N, L', W]
        x = self.ln_final(x)  # [N, L', W]
        if pos is None:
            x = text_global_pool(x, tokens, self.pool_type, eos_token_id=self.eos_id)
        else:
            x = x[torch.arange(x.shape[0], device=x.device), pos]  # [N, W]
        if isinstance(self.text_projection, nn.Linear):
            return self.text_projection(x)
        return x @ self.text_projection  # [N, D]

    def forward(self, embeds: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
        """Text features ``[N, D]`` (float32) of prompt embeddings ``[N, L, W]`` and ids
        ``[N, L]``; under ``torch.autocast`` the transformer runs in half precision.

        ``embeds`` may also stop after the first :meth:`used_length` positions
        (``[N, L', W]``), all the encoder reads: prompts built per image (``N`` in the
        thousands) then never materialise their padding.
        """
        if (tokens.dim() != 2 or tokens.shape[1] != self.context_length
                or embeds.dim() != 3 or embeds.shape[0] != tokens.shape[0]):
            raise ValueError(f'expected embeddings [N, {self.context_length}, W] matching '
                             f'tokens [N, {self.context_length}], got {tuple(embeds.shape)} '
                             f'and {tuple(tokens.shape)}')
        layout = self._layout(tokens)
        if embeds.shape[1] != self.context_length:
            needed = max(n for _, n, _ in layout.chunks)
            if embeds.shape[1] < needed:
                raise ValueError(f'embeddings of {embeds.shape[1]} positions: the encoder '
                                 f'reads the first {needed} of these tokens (pass [N, '
                                 f'{needed}..{self.context_length}, W])')
        feats = [self._encode(embeds[rows], tokens[rows], n, pos)
                 for rows, n, pos in layout.chunks]
        out = torch.cat(feats, dim=0) if len(feats) > 1 else feats[0]
        if layout.inverse is not None:
            out = out[layout.inverse]  # back to the input order
        # fp32 also under autocast: the features feed cosines and losses (cheap, [N, D]).
        return out.float()  # [N, D]

    def encode_tokens(self, tokens: torch.Tensor) -> torch.Tensor:
        """Text features ``[N, D]`` of token ids ``[N, L]``."""
        return self(self.embed_tokens(tokens), tokens)

    @torch.no_grad()
    def encode_texts(self, texts: Sequence[str], cache: bool = True) -> torch.Tensor:
        """Features ``[N, D]`` of fixed texts, each encoded once and cached by string.

        For texts that never change (captions, hand-written prompts); no gradient.
        Only texts missing from the cache go through the encoder, in one batch.
        """
        texts = list(texts)
        device = self.token_embedding.weight.device
        if self._text_cache and next(iter(self._text_cache.values())).device != device:
            # the model moved since these were encoded: move them once, so one stack
            # below never mixes devices
            self._text_cache = {t: f.to(device) for t, f in self._text_cache.items()}
        missing = list(dict.fromkeys(t for t in texts if t not in self._text_cache))
        if missing:
            feats = self.encode_tokens(self.tokenize(missing))  # [M, D]
            if not cache:
                new = dict(zip(missing, feats))
                return torch.stack([new[t] if t in new else self._text_cache[t]
                                    for t in texts])
            self._text_cache.update(zip(missing, feats.detach()))
        cache = self._text_cache
        return torch.stack([cache[t] for t in texts])  # [N, D], all on `device`

    def clear_text_cache(self) -> None:
        self._text_cache.clear()

    def cached_texts(self) -> List[str]:
        return list(self._text_cache)
