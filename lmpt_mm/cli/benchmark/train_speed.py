"""Training steps on images vs on cached features of the same batches (no runner)."""
import copy
import time
from typing import Any, Dict, List

from mmengine.optim import build_optim_wrapper

from .common import build_model, feature_batch, sync
from .repeats import alternate, summarise
from .step_cost import irreducible_step, time_irreducible


def train_steps(model, optim, batches: List[dict], iters: int, device: str) -> float:
    """Seconds for ``iters`` optimisation steps cycling over ``batches``."""
    model.train()
    sync(device)
    start = time.perf_counter()
    for i in range(iters):
        with optim.optim_context(model):
            data = model.data_preprocessor(copy.copy(batches[i % len(batches)]), True)
            losses = model(**data, mode='loss')
        optim.update_params(sum(losses.values()))
    sync(device)
    return time.perf_counter() - start


def train_throughput(model_cfg: dict, batches: List[dict], iters: int, device: str,
                     amp: bool = False, repeats: int = 3) -> Dict[str, Any]:
    """Training images/s on images vs on cached features, and the model-step overhead.

    Both models start from the same config; each round of ``repeats`` times ``iters``
    uncached steps, ``iters`` cached steps and ``iters`` irreducible steps (see
    :mod:`.step_cost`) on the first cached batch, in that order. Figures are medians
    over the rounds; ``model_step_overhead`` is the cached step (data preprocessor,
    forward, optimiser wrapper; no runner, no data loading) over the irreducible
    cost.
    """
    batch_size = len(batches[0]['data_samples'])
    optim_cfg = dict(type='AmpOptimWrapper' if amp else 'OptimWrapper',
                     optimizer=dict(type='SGD', lr=1e-3, momentum=0.9))
    out: Dict[str, Any] = {}
    uncached = build_model(model_cfg, batches, device)
    optim_u = build_optim_wrapper(uncached, optim_cfg)
    model = build_model(model_cfg, batches, device)
    optim_c = build_optim_wrapper(model, optim_cfg)
    sync(device)
    start = time.perf_counter()
    model.eval()
    cached = [feature_batch(model, b) for b in batches]
    sync(device)
    out['cache_build_s'] = time.perf_counter() - start
    irreducible = irreducible_step(model, cached[0])
    for m, o, b in ((uncached, optim_u, batches), (model, optim_c, cached)):
        train_steps(m, o, b[:1], 1, device)  # warm-up (caption cache, allocator)
    values = alternate(dict(
        uncached=lambda: train_steps(uncached, optim_u, batches, iters, device),
        cached=lambda: train_steps(model, optim_c, cached, iters, device),
        irreducible=lambda: time_irreducible(model, cached[0], iters, device,
                                             irreducible) * iters), repeats)
    for name in ('uncached', 'cached'):
        summarise(out, f'train_s_{name}', values[name])
        summarise(out, f'train_images_per_s_{name}',
                  [iters * batch_size / t for t in values[name]])
    # ratios per round (both sides of a round share the machine's phase), then medians
    summarise(out, 'train_speedup_cache',
              [u / c for u, c in zip(values['uncached'], values['cached'])])
    summarise(out, 'irreducible_ms', [1e3 * t / iters for t in values['irreducible']])
    summarise(out, 'model_step_ms', [1e3 * t / iters for t in values['cached']])
    summarise(out, 'model_step_overhead',
              [c / i for c, i in zip(values['cached'], values['irreducible'])])
    out['train_repeats'] = repeats
    return out
