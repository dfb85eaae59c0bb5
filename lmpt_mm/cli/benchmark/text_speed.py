"""The text encoder's exact fast paths against the plain ones, forward + backward.

Every variant encodes the head's ``C`` class prompts (as the prompt learner builds
them) and backpropagates to the prompt embeddings - the irreducible part of a cached
step. Variants (copies of the head's encoder with one switch changed):

* ``default``: the encoder as configured (lean blocks with fused
  ``scaled_dot_product_attention``, truncation at the last end-of-text token);
* ``mha_blocks``: open_clip's own blocks (``nn.MultiheadAttention``);
* ``full_length``: no truncation (all context positions);
* ``grouped_chunks``: prompts ordered by end-of-text position in chunks of
  ``ceil(C / 4)``, each truncated at its own last end-of-text token;
* ``compiled``: ``torch.compile`` of the transformer stack (opt-in: it compiles).

``max_rel_diff`` is the largest difference from ``default`` over the features and
over the embedding gradients, relative to the largest magnitude of each (float
rounding for the exact paths).
"""
import copy
import math
import time
from typing import Any, Dict, Sequence

import torch

from lmpt_mm.models.prompt import ConditionalPromptLearner
from lmpt_mm.utils.tensor_memo import TensorMemo

from .common import sync
from .repeats import alternate, summarise

VARIANTS = ('default', 'mha_blocks', 'full_length', 'grouped_chunks', 'compiled')


def encoder_variant(encoder, name: str, num_prompts: int):
    """A copy of ``encoder`` with the switch of variant ``name``."""
    enc = copy.deepcopy(encoder)
    enc._layout_memo = TensorMemo()
    if name == 'mha_blocks':
        enc._lean_blocks = False
    elif name == 'full_length':
        enc.truncate_to_eot = False
    elif name == 'grouped_chunks':
        enc.class_chunk_size = max(1, math.ceil(num_prompts / 4))
        enc.group_by_length = True
    elif name == 'compiled':
        enc.compile_cfg, enc._compiled = {}, None
    elif name != 'default':
        raise ValueError(f'unknown text encoder variant {name!r}; one of {VARIANTS}')
    return enc


def text_encoder_speed(head, iters: int, device: str, repeats: int = 3,
                       variants: Sequence[str] = VARIANTS[:-1]) -> Dict[str, Any]:
    """Milliseconds per forward + backward of the ``C`` prompts, per variant (medians).

    ``dict(skipped=reason)`` for per-image prompts (CoCoOp): there are no ``C`` class
    prompts to time apart from the images; the model step times the text side.
    """
    learner = head.prompt_learner
    if isinstance(learner, ConditionalPromptLearner):
        return dict(skipped='per-image prompts (CoCoOp): the text encoder runs inside '
                    'the model step above')
    tokens = learner.tokenized_prompts
    with torch.no_grad():
        prompts = learner().detach()  # [C, L, W]
    encoders = {name: encoder_variant(head.text_encoder, name, tokens.shape[0])
                for name in variants}

    def run(enc):
        embeds = prompts.clone().requires_grad_(True)
        feats = enc(embeds, tokens)
        feats.pow(2).sum().backward()
        return feats.detach(), embeds.grad

    out: Dict[str, Any] = dict(num_prompts=int(tokens.shape[0]),
                               used_length=int(head.text_encoder.used_length(tokens)),
                               variants={})
    reference = run(encoders['default']) if 'default' in encoders else None
    for name, enc in encoders.items():
        start = time.perf_counter()
        result = run(enc)  # warm-up (compiles for 'compiled')
        record = out['variants'][name] = dict(first_call_s=time.perf_counter() - start)
        if reference is not None:
            record['max_rel_diff'] = max(float((a - b).abs().max() / b.abs().max())
                                         for a, b in zip(result, reference))

    def measure(enc):
        def timed() -> float:
            sync(device)
            start = time.perf_counter()
            for _ in range(iters):
                run(enc)
            sync(device)
            return 1e3 * (time.perf_counter() - start) / iters
        return timed

    values = alternate({name: measure(enc) for name, enc in encoders.items()}, repeats)
    for name, ms in values.items():
        summarise(out['variants'][name], 'ms', ms)
    return out
