"""Analytic FLOP split of a training step: frozen image side vs text side.

Counted with ``torch.utils.flop_counter.FlopCounterMode`` from the operators' shapes
(matrix products, convolutions, attention; 2 FLOPs per multiply-add; element-wise
work is not counted), not timed:

* image side per step: the frozen image encoder's forward on the batch (``B`` times
  one image; no backward - the encoder is frozen and its input needs no gradient).
  This is what the feature cache removes.
* text side per step: the irreducible step (:mod:`.step_cost`) - the prompt learner
  and the text encoder forward on the ``C`` class prompts (truncated at the last
  end-of-text token), the logits and the losses, and the backward to the prompt
  contexts (input gradients only: the text encoder's weights are frozen, so a
  linear layer's backward is one product, about its forward, and attention's two).

For a ViT-B/16 text tower (width 512, 12 layers) a prompt of ``L`` tokens costs
about ``12 (24 L W^2 + 4 L^2 W)`` FLOPs forward, ~1.5 GFLOPs at ``L = 20``.
``cache_speedup_limit = (image + text) / text`` is the most the cache can buy if
every FLOP cost the same time: the cached step still does all the text-side work.
"""
from typing import Any, Dict

import torch
from torch.utils.flop_counter import (FlopCounterMode, sdpa_backward_flop_count,
                                      sdpa_flop_count)

from lmpt_mm.engine.feature_cache import FEATS_KEY, LOCAL_FEATS_KEY

from .step_cost import irreducible_step


def _cpu_attention(query_shape, key_shape, value_shape, *args, **kwargs) -> int:
    return sdpa_flop_count(query_shape, key_shape, value_shape)


def _cpu_attention_backward(grad_out_shape, query_shape, key_shape, value_shape, *args,
                            **kwargs) -> int:
    return sdpa_backward_flop_count(grad_out_shape, query_shape, key_shape, value_shape)


def _native_mha(query_shape, key_shape, value_shape, *args, **kwargs) -> int:
    """``nn.MultiheadAttention``'s inference fast path (batch first): projections of
    queries, keys, values and output, plus the two ``L x S`` attention products."""
    n, length, width = query_shape
    source = key_shape[1]
    return 2 * n * width * width * (2 * length + 2 * source) + 4 * n * length * source * width


# torch's counter knows the CUDA attention kernels only; the CPU one has the same
# FLOPs (full L x L products: a causal mask is not discounted, as for CUDA), and
# the fused inference path of nn.MultiheadAttention (frozen image towers) is one op.
_CPU_ATTENTION = {
    torch.ops.aten._native_multi_head_attention: _native_mha,
    torch.ops.aten._scaled_dot_product_flash_attention_for_cpu: _cpu_attention,
    torch.ops.aten._scaled_dot_product_flash_attention_for_cpu_backward:
    _cpu_attention_backward,
}


def count_flops(fn) -> int:
    """FLOPs of the operators ``fn()`` runs (forward and any backward it calls)."""
    with FlopCounterMode(display=False, custom_mapping=_CPU_ATTENTION) as counter:
        fn()
    return int(counter.get_total_flops())


def flop_split(model, batch: dict) -> Dict[str, Any]:
    """Image-side and text-side FLOPs of one training step of ``model`` on ``batch``.

    Args:
        model: a ``CLIPPromptClassifier``.
        batch: a collated image batch (``inputs`` a list of images, ``data_samples``);
            its size is the step's batch size. Only its first image is encoded: the
            image side is that image's forward times the batch size, and the text
            side runs on that image's features repeated over the batch (FLOPs do
            not depend on the values).
    """
    batch_size = len(batch['data_samples'])
    model.eval()
    one = dict(inputs=batch['inputs'][:1], data_samples=batch['data_samples'][:1])
    feats = []
    with torch.no_grad():
        image = model.data_preprocessor(one, False)['inputs']
        per_image = count_flops(lambda: feats.extend(model.backbone(image)))
    inputs = {FEATS_KEY: feats[0].float().expand(batch_size, *feats[0].shape[1:])}
    if len(feats) > 1:
        inputs[LOCAL_FEATS_KEY] = feats[1].float().expand(batch_size, *feats[1].shape[1:])
    step = irreducible_step(model, dict(inputs=inputs, data_samples=batch['data_samples']))
    text = count_flops(step)
    image_total = per_image * batch_size
    return dict(flops_image_per_image=per_image, flops_image_per_step=image_total,
                flops_text_per_step=text, flops_text_share=text / (image_total + text),
                cache_speedup_limit=(image_total + text) / text, flops_batch_size=batch_size,
                num_prompts=int(model.head.num_classes),
                text_tokens=int(_used_length(model.head)))


def _used_length(head) -> int:
    learner = getattr(head, 'prompt_learner', None)
    tokens = getattr(learner, 'tokenized_prompts', None)
    return head.text_encoder.used_length(tokens) if tokens is not None else 0
