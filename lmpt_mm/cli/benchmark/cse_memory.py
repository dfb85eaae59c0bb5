"""Peak memory of the CSE loss's token mode against the naive broadcast."""
from typing import Any, Dict

import torch

from lmpt_mm.models.losses.class_specific_embedding_loss import token_distance

COCO_LT_CSE_SIZE = dict(B=64, C=80, L=77, D=512)


def cse_memory(device: str, B: int = 64, C: int = 80, L: int = 77,
               D: int = 512) -> Dict[str, Any]:
    """Peak memory of the CSE token distance vs the naive ``B x C x T x D`` broadcast.

    The naive form (captions ``[B, 1, T, D]`` against prompts ``[1, C, T, D]``,
    ``T = L - 2``, before the cosine) is never run: its figure is analytic, the
    float32 bytes its forward materialises, ``B*C*T*D`` for the broadcast product
    plus the normalised copies ``(B + C)*T*D``. The token mode is measured on CUDA
    (``torch.cuda.max_memory_allocated`` above the inputs, forward + backward) and
    analytic on CPU (torch CPU allocations are invisible to tracemalloc): ``B*C*T``
    cosines plus the copies. Nothing is timed, so there are no repeats.
    """
    T = L - 2
    copies = (B + C) * T * D * 4
    naive = B * C * T * D * 4 + copies
    if device.startswith('cuda'):
        gen = torch.Generator(device=device).manual_seed(0)
        cap = torch.randn(B, L, D, device=device, generator=gen)
        prm = torch.randn(C, L, D, device=device, generator=gen, requires_grad=True)
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        base = torch.cuda.memory_allocated()
        token_distance(cap, prm).sum().backward()
        torch.cuda.synchronize()
        token = torch.cuda.max_memory_allocated() - base
        method = ('token: cuda_max_memory_allocated (forward + backward, above the '
                  'inputs); naive: analytic')
    else:
        token = B * C * T * 4 + copies
        method = 'analytic (float32 tensors materialised by the forward; CPU)'
    return dict(cse_peak_bytes_token=int(token), cse_peak_bytes_naive=int(naive),
                cse_memory_ratio=naive / token, cse_memory_method=method,
                cse_size=dict(B=B, C=C, L=L, D=D))
