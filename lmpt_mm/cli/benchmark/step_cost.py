"""The irreducible cost of a cached training step, and a cached step's overhead over it.

On cached image features a prompt-tuning step still encodes all ``C`` class prompts
through the frozen text encoder, forward and backward (to the prompt contexts), and
computes the logits and the losses. That work is the step's physical limit: the
**irreducible cost**, timed here alone on one batch whose loss inputs (targets,
caption features) are prepared beforehand. Everything else a training iteration
spends - fetching the batch, packing samples, building targets, the data
preprocessor, hooks, logging, the optimiser wrapper - is **overhead**, and
``cached_step_overhead = cached step time / irreducible cost`` (1.0 is the limit).
"""
import copy
import time
from typing import Callable, List, Optional

import torch

from .common import sync


def uses_split_loss(head) -> bool:
    """True when the head's effective ``loss`` is ``loss_from_inputs(loss_inputs(...))``.

    That is the case when the class that defines ``loss`` also defines
    ``loss_from_inputs`` (``CLIPPromptHead``, ``LMPTHead``); a subclass that overrides
    ``loss`` alone (HP-DVAL's heads) computes its loss its own way.
    """
    for cls in type(head).__mro__:
        if 'loss' in cls.__dict__:
            return 'loss_from_inputs' in cls.__dict__
    return False


def irreducible_step(model, batch: dict) -> Callable[[], None]:
    """A function running one irreducible step of ``model`` on a cached-feature ``batch``.

    The batch goes through the data preprocessor and the head's ``loss_inputs``
    (targets ``[B, C]``, caption features) once, here; each call of the returned
    function then runs ``loss_from_inputs`` (prompt learner, text encoder forward on
    the ``C`` prompts, logits, losses) and the backward of the summed loss, and
    drops the gradients again (the optimiser's state is not touched). Heads
    without the split (see :func:`uses_split_loss`) run their whole ``loss``,
    target building included.
    """
    head = model.head
    model.train()
    data = model.data_preprocessor(copy.copy(batch), True)
    feats = model.extract_feat(data['inputs'])
    samples = data['data_samples']
    params: List[torch.Tensor] = [p for p in model.parameters() if p.requires_grad]
    if uses_split_loss(head):
        inputs = head.loss_inputs(samples)

        def losses():
            return head.loss_from_inputs(feats, **inputs)
    else:
        def losses():
            return head.loss(feats, samples)

    def step() -> None:
        total = sum(v for v in losses().values() if isinstance(v, torch.Tensor))
        total.backward()
        for p in params:
            p.grad = None

    return step


def time_irreducible(model, batch: dict, steps: int, device: str,
                     step: Optional[Callable[[], None]] = None) -> float:
    """Seconds per irreducible step (mean of ``steps`` after one warm-up step).

    Gradients the parameters held before are restored afterwards, so this can run
    between a training run's epochs without changing it.
    """
    params = [p for p in model.parameters() if p.requires_grad]
    saved = [p.grad for p in params]
    step = step or irreducible_step(model, batch)
    step()
    sync(device)
    start = time.perf_counter()
    for _ in range(steps):
        step()
    sync(device)
    seconds = (time.perf_counter() - start) / max(steps, 1)
    for p, g in zip(params, saved):
        p.grad = g
    return seconds


def headline_overhead(results: dict) -> dict:
    """The ``cached_step_overhead`` keys of the benchmark's results.

    From the config's own training when it ran (``config_run``: the runner with its
    data, hooks and logging - what a user's step costs), else from the model steps
    on random batches; ``cached_step_overhead_source`` says which.
    """
    loop = results.get('config_run') or {}
    for source, key, name in ((loop, 'cached_step_overhead', 'config_run'),
                              (results, 'model_step_overhead', 'model_steps')):
        if key in source:
            return dict(cached_step_overhead=source[key],
                        cached_step_overhead_repeats=source[key + '_repeats'],
                        cached_step_overhead_source=name)
    return {}
