"""The config's own training (its data, weights, loader and schedule), timed with and
without the feature cache, and the cached step against its irreducible cost."""
import copy
import os.path as osp
import time
from collections import defaultdict
from typing import Any, Callable, Dict, List, Optional

import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from .common import sync
from .repeats import alternate, median, summarise
from .step_cost import irreducible_step, time_irreducible


class StepProfile:
    """Seconds spent in named parts of a training loop (timers wrapped around them).

    :meth:`wrap` replaces a bound method by a timed one on that instance only;
    :meth:`restore` puts the originals back. Parts nest (the optimiser's backward
    runs inside the model's ``train_step``), so the figures are per part, not a
    partition: :func:`overhead_components` derives the partition.
    """

    def __init__(self) -> None:
        self.seconds: Dict[str, float] = defaultdict(float)
        self._wrapped: List[tuple] = []

    def wrap(self, obj: Any, attr: str, name: str) -> None:
        fn = getattr(obj, attr, None)
        if fn is None:
            return
        seconds = self.seconds

        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                seconds[name] += time.perf_counter() - start

        had = attr in vars(obj)
        self._wrapped.append((obj, attr, had, vars(obj).get(attr)))
        setattr(obj, attr, timed)

    def restore(self) -> None:
        for obj, attr, had, old in reversed(self._wrapped):
            if had:
                setattr(obj, attr, old)
            else:
                delattr(obj, attr)
        self._wrapped.clear()


def instrument(runner, profile: StepProfile) -> None:
    """Wrap the parts of a training iteration: data, hooks, model, optimiser wrapper."""
    model = runner.model.module if is_model_wrapper(runner.model) else runner.model
    loader = runner.train_loop.dataloader
    dataset = getattr(loader, 'dataset', None)
    if hasattr(dataset, 'batch'):  # CachedFeatureLoader: one call per batch
        profile.wrap(dataset, 'batch', 'data')
    profile.wrap(model.data_preprocessor, 'forward', 'data_preprocessor')
    profile.wrap(model.head, 'loss_inputs', 'loss_inputs')
    profile.wrap(model.head, 'loss_from_inputs', 'loss_compute')
    profile.wrap(model, 'parse_losses', 'parse_losses')
    optim = runner.optim_wrapper
    profile.wrap(optim, 'backward', 'backward')
    profile.wrap(optim, 'step', 'optimizer_step')
    profile.wrap(optim, 'zero_grad', 'zero_grad')
    for hook in runner.hooks:
        for fn in ('before_train_iter', 'after_train_iter'):
            if getattr(type(hook), fn) is not getattr(Hook, fn):  # overridden: does work
                profile.wrap(hook, fn, f'hook:{type(hook).__name__}')


def overhead_components(seconds: Dict[str, float], iters: int,
                        iter_s: float) -> Dict[str, float]:
    """Milliseconds per iteration by component, from a :class:`StepProfile`.

    ``irreducible`` = the head's loss compute (text encoder forward, logits, losses)
    + backward; the rest is overhead: ``data`` (batch fetch), ``data_preprocessor``,
    ``loss_inputs`` (targets, caption look-ups), ``parse_losses``,
    ``optimizer_step`` (+ ``zero_grad``: the optimiser wrapper), ``hooks`` (every
    hook's per-iteration calls; ``hook:<Name>`` each) and ``other`` (the loop, the
    loader's generator and whatever else is left of ``iter_s``).
    """
    per = {k: 1e3 * v / max(iters, 1) for k, v in seconds.items()}
    out = dict(irreducible=per.get('loss_compute', 0.0) + per.get('backward', 0.0))
    for key in ('data', 'data_preprocessor', 'loss_inputs', 'parse_losses',
                'optimizer_step', 'zero_grad'):
        out[key] = per.get(key, 0.0)
    hooks = {k: v for k, v in per.items() if k.startswith('hook:')}
    out['hooks'] = sum(hooks.values())
    out['other'] = 1e3 * iter_s - sum(out.values())
    out.update(sorted(hooks.items(), key=lambda kv: -kv[1]))
    return out


class EpochTimer(Hook):
    """Wall time of every train epoch, the irreducible cost after each, one profiled epoch.

    After each epoch of a cached run (features in the loader) the irreducible step
    (:mod:`.step_cost`) is timed ``len(loader)`` times on one fixed batch (drawn
    without touching the training RNG), so epochs and irreducible timings alternate.
    With ``profile_last=True`` the last epoch runs instrumented
    (:class:`StepProfile`) and is left out of the timings.
    """

    priority = 'VERY_HIGH'

    def __init__(self, device: str, profile_last: bool = False) -> None:
        self.device = device
        self.profile_last = profile_last
        self.epoch_s: List[float] = []
        self.iters: List[int] = []
        self.irreducible_s: List[float] = []
        self.profile: Optional[StepProfile] = None
        self.profile_s = 0.0
        self._start = 0.0
        self._step: Optional[Callable[[], None]] = None
        self._model = None

    def _profiling(self, runner) -> bool:
        return self.profile_last and runner.epoch == runner.max_epochs - 1 \
            and runner.max_epochs > 1

    def before_train_epoch(self, runner) -> None:
        if self._profiling(runner):
            self.profile = StepProfile()
            instrument(runner, self.profile)
        sync(self.device)
        self._start = time.perf_counter()

    def after_train_epoch(self, runner) -> None:
        sync(self.device)
        seconds = time.perf_counter() - self._start
        loader = runner.train_loop.dataloader
        if self.profile is not None:
            self.profile.restore()
            self.profile_s = seconds
            return
        self.epoch_s.append(seconds)
        self.iters.append(len(loader))
        dataset = getattr(loader, 'dataset', None)
        if not hasattr(dataset, 'batch'):  # images: no cached step to compare with
            return
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        if self._step is None:
            rng = torch.get_rng_state()  # the fixed batch must not move training's RNG
            indices = next(iter(loader.batch_sampler))
            batch = dataset.batch(indices)
            torch.set_rng_state(rng)
            self._model, self._step = model, irreducible_step(model, batch)
        self.irreducible_s.append(time_irreducible(self._model, None, len(loader),
                                                   self.device, self._step))


def config_run_cfg(cfg: Config, work_dir: str, cache: bool, device: str,
                   epochs: Optional[int] = None) -> Config:
    """``cfg`` itself (its data, weights and schedule), cache switched on or off.

    No validation during training and no checkpoints, so the timed epochs are the
    training loop alone; ``epochs`` shortens the run (the lr schedule stays the
    config's).
    """
    from lmpt_mm.engine.feature_cache import apply_feature_cache_cfg
    new = copy.deepcopy(cfg)
    new.work_dir = work_dir
    new.feature_cache = dict(new.get('feature_cache') or {}, enable=cache)
    apply_feature_cache_cfg(new)
    if epochs is not None:
        new.train_cfg.max_epochs = epochs
    new.train_cfg.val_interval = 10**6
    new.val_cfg = new.val_dataloader = new.val_evaluator = None
    new.default_hooks.checkpoint = dict(type='CheckpointHook', interval=10**6,
                                        save_last=False)
    new.log_level = 'WARNING'
    if not device.startswith('cuda'):
        new.env_cfg = dict(new.get('env_cfg') or {}, dist_cfg=dict(backend='gloo'))
    return new


def config_run(cfg: Config, device: str, profile: bool = False) -> Dict[str, Any]:
    """Train ``cfg`` (from :func:`config_run_cfg`), then test it.

    ``train_images_per_s`` is the train set over the median epoch time, epochs after
    the first (warm-up; with the cache, its one-off encoding happens before epoch 1
    and is reported as part of ``wall_s`` only): the median keeps a shared machine's
    stalls out of the figure. Cached runs add ``step_ms`` (median epoch time per
    iteration), ``irreducible_ms`` (median of the irreducible timings between the
    epochs), ``cached_step_overhead`` (their ratio) with per-epoch ratios, and with
    ``profile=True`` the last epoch's ``overhead_ms`` by component.
    """
    from mmengine.runner import Runner
    start = time.perf_counter()
    runner = Runner.from_cfg(cfg)
    timer = EpochTimer(device, profile_last=profile)
    runner.register_hook(timer)
    runner.train()
    train_s = time.perf_counter() - start
    metrics = runner.test() if cfg.get('test_dataloader') else {}
    num = len(runner.train_dataloader.dataset)
    timed = timer.epoch_s[1:] or timer.epoch_s
    iters = (timer.iters[1:] or timer.iters)
    out = dict(train_images_per_s=num / median(timed), epoch_s=timer.epoch_s,
               train_wall_s=train_s, wall_s=time.perf_counter() - start,
               mAP=float(metrics.get('lt/mAP', float('nan'))))
    step_s = [t / max(n, 1) for t, n in zip(timed, iters)]
    out['step_ms'] = 1e3 * median(step_s)
    if timer.irreducible_s:
        irr = timer.irreducible_s[1:] or timer.irreducible_s
        out['irreducible_ms'] = 1e3 * median(irr)
        out['cached_step_overhead'] = median(step_s) / median(irr)
        out['cached_step_overhead_epochs'] = [s / i for s, i in zip(step_s, irr)]
    if timer.profile is not None:
        n = len(runner.train_loop.dataloader)
        out['overhead_ms'] = overhead_components(timer.profile.seconds, n,
                                                 timer.profile_s / max(n, 1))
        out['profiled_step_ms'] = 1e3 * timer.profile_s / max(n, 1)
    del runner
    return out


def config_runs(cfg: Config, device: str, work_dir: str, epochs: Optional[int] = None,
                repeats: int = 3, amp: bool = False) -> Dict[str, Any]:
    """The config's own training (its data and weights), uncached then cached.

    ``repeats`` pairs run alternately (a shared machine's slow phases hit both);
    ``train_images_per_s`` of each is the median over the repeats and
    ``train_speedup_cache`` the median of the per-pair ratios; the cached side's
    ``cached_step_overhead`` is the median over the repeats (each itself a ratio of
    medians over epochs), and
    its last repeat is profiled (``overhead_ms``). ``cached`` / ``uncached`` hold
    the last repeat's run record (epoch times, final ``mAP``).
    """
    dataset = (cfg.get('train_dataloader') or {}).get('dataset')
    if not dataset:
        return dict(skipped='the config has no train_dataloader.dataset')
    data_root = dataset.get('data_root')
    if data_root and not osp.isdir(data_root):
        return dict(skipped=f'{data_root} does not exist (for the offline world: '
                    'make demo, or tools/make_synthetic_lt.py and '
                    'tools/pretrain_clip.py)')
    runs: Dict[str, Any] = {}
    overheads: List[float] = []
    irreducible: List[float] = []
    steps: List[float] = []
    done = dict(uncached=0, cached=0)

    def measure(name: str, cache: bool):
        def run() -> float:
            done[name] += 1
            run_cfg = config_run_cfg(cfg, osp.join(work_dir, 'config_' + name), cache,
                                     device, epochs)
            if amp:
                run_cfg.optim_wrapper.type = 'AmpOptimWrapper'
            runs[name] = config_run(run_cfg, device,
                                    profile=cache and done[name] == repeats)
            if 'cached_step_overhead' in runs[name]:
                overheads.append(runs[name]['cached_step_overhead'])
                irreducible.append(runs[name]['irreducible_ms'])
                steps.append(runs[name]['step_ms'])
            return runs[name]['train_images_per_s']
        return run

    speeds = alternate(dict(uncached=measure('uncached', False),
                            cached=measure('cached', True)), repeats)
    for name, values in speeds.items():
        summarise(runs[name], 'train_images_per_s', values)
    summarise(runs, 'train_speedup_cache', [c / u for c, u in zip(speeds['cached'],
                                                                  speeds['uncached'])])
    if overheads:
        summarise(runs, 'cached_step_overhead', overheads)
        summarise(runs, 'irreducible_ms', irreducible)
        summarise(runs, 'cached_step_ms', steps)
    runs['mAP_difference'] = runs['cached']['mAP'] - runs['uncached']['mAP']
    runs['repeats'] = repeats
    return runs
