"""Evaluation speed: the full model's ``predict`` against the bare image encoder."""
import contextlib
import copy
import time
from typing import Any, Dict, List

import torch

from .common import build_model, sync
from .repeats import alternate, summarise


@torch.no_grad()
def eval_throughput(model_cfg: dict, batches: List[dict], iters: int, device: str,
                    amp: bool = False, repeats: int = 3) -> Dict[str, Any]:
    """Evaluation images/s: full model ``predict`` vs the bare image encoder.

    Both include the data preprocessor and run on the same batches; the full model
    starts every timing from a fresh evaluation (its class text features are
    computed inside the timed loop, once). Encoder and model alternate ``repeats``
    times; figures are medians.
    """
    model = build_model(model_cfg, batches, device)
    model.eval()
    batch_size = len(batches[0]['data_samples'])

    def autocast():
        return (torch.autocast('cuda', dtype=torch.float16) if amp
                else contextlib.nullcontext())

    def encoder(batch):
        model.backbone(model.data_preprocessor(copy.copy(batch), False)['inputs'])

    def full(batch):
        model(**model.data_preprocessor(copy.copy(batch), False), mode='predict')

    def run(fn) -> float:
        model.train()  # drop the kept text features: the timed loop is one evaluation
        model.eval()
        sync(device)
        start = time.perf_counter()
        with autocast():
            for i in range(iters):
                fn(batches[i % len(batches)])
        sync(device)
        return time.perf_counter() - start

    with autocast():  # warm-up
        encoder(batches[0])
        full(batches[0])
    values = alternate(dict(encoder=lambda: run(encoder), model=lambda: run(full)),
                       repeats)
    out: Dict[str, Any] = {}
    for name in ('encoder', 'model'):
        summarise(out, f'eval_s_{name}', values[name])
        summarise(out, f'eval_images_per_s_{name}',
                  [iters * batch_size / t for t in values[name]])
    # images/s of the model over the encoder's, per round, then the median
    summarise(out, 'eval_ratio_vs_encoder',
              [e / f for e, f in zip(values['encoder'], values['model'])])
    return out
