"""Speed and memory figures of lmpt_mm's fast paths (``tools/benchmark.py``).

* training images/s with and without the frozen-image-feature cache (same model,
  same batches; the cached run's one-off encoding time is reported separately);
* evaluation images/s of the full model (``predict``: class text features computed
  once per evaluation) against the bare image encoder, on the same batches;
* peak memory of the CSE loss's token mode against the naive ``B x C x L x D``
  broadcast at COCO-LT size;
* wall time (and final mAP) of a whole short training run with and without the
  cache, on a generated random-image world.

Synthetic batches are random images at the encoder's input size (speed does not
depend on the pixels or the weights); they are already decoded, so the training
speed-up measured on them leaves out the JPEG decoding the cache also saves (the
whole-run figures include it).
"""
import copy
import os.path as osp
import time
from typing import Any, Dict, List, Optional

import numpy as np
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.optim import build_optim_wrapper
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

from lmpt_mm.models.classifiers import FEATS_KEY, LOCAL_FEATS_KEY
from lmpt_mm.models.losses.cse_loss import token_distance

COCO_LT_CSE_SIZE = dict(B=64, C=80, L=77, D=512)


def _sync(device: str) -> None:
    if device.startswith('cuda'):
        torch.cuda.synchronize()


def benchmark_model_cfg(cfg: Config, arch: Optional[str] = None,
                        random_weights: bool = False) -> dict:
    """The config's model as a ``CLIPPromptClassifier``, optionally re-targeted."""
    model = copy.deepcopy(cfg.model.to_dict() if hasattr(cfg.model, 'to_dict')
                          else dict(cfg.model))
    if model.get('type') in ('ImageClassifier', 'mmpretrain.ImageClassifier'):
        model['type'] = 'CLIPPromptClassifier'
    for part in ('backbone', 'head'):
        if arch is not None:
            model[part]['arch'] = arch
        if random_weights:
            model[part]['pretrained'] = None
    return model


def image_size(model) -> int:
    size = getattr(model.backbone.visual, 'image_size', 224)
    return int(size[0] if isinstance(size, (tuple, list)) else size)


def synthetic_batches(num_batches: int, batch_size: int, size: int, classes: List[str],
                      seed: int = 0) -> List[dict]:
    """Raw (collated, un-preprocessed) batches: uint8 images, labels, captions."""
    gen = torch.Generator().manual_seed(seed)
    batches = []
    for _ in range(num_batches):
        imgs, samples = [], []
        for _ in range(batch_size):
            imgs.append(torch.randint(0, 256, (3, size, size), generator=gen,
                                      dtype=torch.uint8))
            labels = sorted(set(torch.randint(0, len(classes), (2, ),
                                              generator=gen).tolist()))
            caption = 'a photo of a ' + ' and a '.join(classes[i] for i in labels)
            samples.append(DataSample(metainfo=dict(caption=caption)).set_gt_label(labels))
        batches.append(dict(inputs=imgs, data_samples=samples))
    return batches


def build_model(model_cfg: dict, batches: List[dict], device: str):
    """The model on ``device``, with class statistics of the synthetic labels."""
    model = MODELS.build(copy.deepcopy(model_cfg)).to(device)
    head = getattr(model, 'head', None)
    if hasattr(head, 'set_class_stats'):
        samples = [s for b in batches for s in b['data_samples']]
        freq = [0] * head.num_classes
        for s in samples:
            for i in s.gt_label.tolist():
                freq[i] += 1
        freq = [max(n, 1) for n in freq]
        head.set_class_stats(freq, [len(samples) - n for n in freq])
    return model


@torch.no_grad()
def feature_batch(model, batch: dict) -> dict:
    """The cached-feature form of a raw batch (what ``FeatureCacheHook`` feeds)."""
    data = model.data_preprocessor(copy.copy(batch), False)
    feats = model.backbone(data['inputs'])
    inputs = {FEATS_KEY: feats[0].float().cpu()}
    if len(feats) > 1:
        inputs[LOCAL_FEATS_KEY] = feats[1].float().cpu()
    return dict(inputs=inputs, data_samples=batch['data_samples'])


def _train_steps(model, optim, batches: List[dict], iters: int, device: str) -> float:
    """Seconds for ``iters`` optimisation steps cycling over ``batches`` (after warm-up)."""
    model.train()

    def step(batch):
        with optim.optim_context(model):
            data = model.data_preprocessor(copy.copy(batch), True)
            losses = model(**data, mode='loss')
        optim.update_params(sum(losses.values()))

    step(batches[0])  # warm-up (caption cache, allocator)
    _sync(device)
    start = time.perf_counter()
    for i in range(iters):
        step(batches[i % len(batches)])
    _sync(device)
    return time.perf_counter() - start


def train_throughput(model_cfg: dict, batches: List[dict], iters: int, device: str,
                     amp: bool = False) -> Dict[str, float]:
    """Training images/s on images vs on cached features of the same batches."""
    batch_size = len(batches[0]['data_samples'])
    optim_cfg = dict(type='AmpOptimWrapper' if amp else 'OptimWrapper',
                     optimizer=dict(type='SGD', lr=1e-3, momentum=0.9))
    out = {}
    model = build_model(model_cfg, batches, device)
    optim = build_optim_wrapper(model, optim_cfg)
    out['train_s_uncached'] = _train_steps(model, optim, batches, iters, device)
    model = build_model(model_cfg, batches, device)
    optim = build_optim_wrapper(model, optim_cfg)
    _sync(device)
    start = time.perf_counter()
    model.eval()
    cached = [feature_batch(model, b) for b in batches]
    _sync(device)
    out['cache_build_s'] = time.perf_counter() - start
    out['train_s_cached'] = _train_steps(model, optim, cached, iters, device)
    out['train_images_per_s_uncached'] = iters * batch_size / out['train_s_uncached']
    out['train_images_per_s_cached'] = iters * batch_size / out['train_s_cached']
    out['train_speedup_cache'] = out['train_images_per_s_cached'] / out[
        'train_images_per_s_uncached']
    return out


@torch.no_grad()
def eval_throughput(model_cfg: dict, batches: List[dict], iters: int, device: str,
                    amp: bool = False) -> Dict[str, float]:
    """Evaluation images/s: full model ``predict`` vs the bare image encoder.

    Both include the data preprocessor and run on the same batches; the full model
    starts from a fresh evaluation (its class text features are computed inside the
    timed loop, once).
    """
    model = build_model(model_cfg, batches, device)
    model.eval()
    batch_size = len(batches[0]['data_samples'])
    autocast = torch.autocast('cuda', dtype=torch.float16) if amp else _null()

    def run(fn):
        with autocast:
            fn(batches[0])  # warm-up
        model.train()  # drop the kept text features: the timed loop is one evaluation
        model.eval()
        _sync(device)
        start = time.perf_counter()
        with autocast:
            for i in range(iters):
                fn(batches[i % len(batches)])
        _sync(device)
        return time.perf_counter() - start

    def encoder(batch):
        model.backbone(model.data_preprocessor(copy.copy(batch), False)['inputs'])

    def full(batch):
        model(**model.data_preprocessor(copy.copy(batch), False), mode='predict')

    t_enc, t_full = run(encoder), run(full)
    t_enc = min(t_enc, run(encoder))  # interleave against drift on a shared machine
    t_full = min(t_full, run(full))
    out = dict(eval_images_per_s_encoder=iters * batch_size / t_enc,
               eval_images_per_s_model=iters * batch_size / t_full)
    out['eval_ratio_vs_encoder'] = out['eval_images_per_s_model'] / out[
        'eval_images_per_s_encoder']
    return out


class _null:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def naive_token_distance(cap: torch.Tensor, prm: torch.Tensor, m_ctx: int = 2):
    """Reference that broadcasts ``B x C x T x D`` (what the token mode avoids)."""
    num = min(cap.shape[1], prm.shape[1] - m_ctx)
    c = cap[:, None, :num]  # [B, 1, T, D]
    p = prm[None, :, m_ctx:m_ctx + num]  # [1, C, T, D]
    return (1 - F.cosine_similarity(c, p, dim=-1)).mean(-1)  # via [B, C, T, D]


def cse_memory(device: str, B: int = 64, C: int = 80, L: int = 77,
               D: int = 512) -> Dict[str, Any]:
    """Peak memory of the CSE token distance (forward + backward) vs the naive broadcast.

    CUDA: measured, ``torch.cuda.max_memory_allocated`` above the inputs. CPU: torch
    CPU allocations are not visible to tracemalloc, so the figure is analytic - the
    bytes of the tensors each forward materialises (float32): naive
    ``B*C*T*D`` for the broadcast product plus the normalised copies; token mode
    ``B*C*T`` cosines plus the normalised ``(B + C)*T*D`` copies (``T = L - 2``).
    """
    T = L - 2
    if device.startswith('cuda'):
        peaks = {}
        for name, fn in (('token', token_distance), ('naive', naive_token_distance)):
            gen = torch.Generator(device=device).manual_seed(0)
            cap = torch.randn(B, L, D, device=device, generator=gen)
            prm = torch.randn(C, L, D, device=device, generator=gen, requires_grad=True)
            torch.cuda.synchronize()
            torch.cuda.reset_peak_memory_stats()
            base = torch.cuda.memory_allocated()
            fn(cap, prm).sum().backward()
            torch.cuda.synchronize()
            peaks[name] = torch.cuda.max_memory_allocated() - base
            del cap, prm
        method = 'cuda_max_memory_allocated (forward + backward, above the inputs)'
    else:
        copies = (B + C) * T * D * 4
        peaks = dict(token=B * C * T * 4 + copies, naive=B * C * T * D * 4 + copies)
        method = 'analytic (float32 tensors materialised by the forward; CPU)'
    return dict(cse_peak_bytes_token=int(peaks['token']),
                cse_peak_bytes_naive=int(peaks['naive']),
                cse_memory_ratio=peaks['naive'] / peaks['token'],
                cse_memory_method=method, cse_size=dict(B=B, C=C, L=L, D=D))


def write_random_world(root: str, classes: List[str], num_train: int, num_test: int,
                       size: int, seed: int = 0) -> str:
    """Random PNG images with labels and captions in the LTML format under ``root``."""
    from pathlib import Path

    from PIL import Image
    rng = np.random.default_rng(seed)
    root_p = Path(root)
    (root_p / 'images').mkdir(parents=True, exist_ok=True)
    (root_p / 'labels.txt').write_text(
        ''.join(f'{name.replace(" ", "_")} {i}\n' for i, name in enumerate(classes)))
    caps = []
    for split, count in (('train', num_train), ('test', num_test)):
        lines = []
        for k in range(count):
            labels = sorted({k % len(classes), int(rng.integers(len(classes)))})
            pixels = rng.integers(0, 255, (size, size, 3), dtype=np.uint8)
            for label in labels:  # class-dependent tint: learnable labels
                pixels[..., label % 3] = pixels[..., label % 3] // 2 + 120
            rel = f'images/{split}_{k:05d}.png'
            Image.fromarray(pixels).save(root_p / rel)
            lines.append(f'{rel} ' + ' '.join(map(str, labels)) + '\n')
            if split == 'train':
                caps.append(f'{rel} a photo of a '
                            + ' and a '.join(classes[i] for i in labels) + '\n')
        (root_p / f'{split}.txt').write_text(''.join(lines))
    (root_p / 'captions.txt').write_text(''.join(caps))
    return root


def whole_run_cfg(cfg: Config, model_cfg: dict, world: str, work_dir: str, size: int,
                  epochs: int, batch_size: int, cache: bool, device: str) -> Config:
    """``cfg`` retargeted to the random world: default pipeline, short schedule."""
    meta_keys = ('sample_idx', 'img_path', 'flip', 'flip_direction', 'caption')
    train_pipe = [dict(type='LoadImageFromFile'),
                  dict(type='Resize', scale=(size, size), interpolation='bicubic'),
                  dict(type='RandomFlip', prob=0.5, direction='horizontal'),
                  dict(type='PackInputs', meta_keys=meta_keys)]
    test_pipe = [t for t in train_pipe if t['type'] != 'RandomFlip']
    data = dict(type='LTMultiLabelDataset', data_root=world, label_file='labels.txt',
                train_ann_file='train.txt', head_thr=20, tail_thr=5)
    new = Config(dict(
        model=model_cfg, work_dir=work_dir, default_scope='mmpretrain',
        custom_imports=dict(imports=['lmpt_mm'], allow_failed_imports=False),
        train_dataloader=dict(batch_size=batch_size, num_workers=0,
                              sampler=dict(type='DefaultSampler', shuffle=True),
                              dataset=dict(data, ann_file='train.txt', pipeline=train_pipe,
                                           caption_file='captions.txt', with_caption=True)),
        val_dataloader=dict(batch_size=batch_size, num_workers=0,
                            sampler=dict(type='DefaultSampler', shuffle=False),
                            dataset=dict(data, ann_file='test.txt', pipeline=test_pipe)),
        val_evaluator=dict(type='GroupAveragePrecision', prefix='lt', head_thr=20,
                           tail_thr=5),
        optim_wrapper=copy.deepcopy(cfg.get('optim_wrapper') or dict(
            optimizer=dict(type='SGD', lr=5e-4, momentum=0.9, weight_decay=1e-4))),
        param_scheduler=dict(type='CosineAnnealingLR', by_epoch=True, T_max=epochs),
        train_cfg=dict(by_epoch=True, max_epochs=epochs, val_interval=epochs),
        val_cfg=dict(),
        default_hooks=dict(checkpoint=dict(type='CheckpointHook', interval=10**6),
                           logger=dict(type='LoggerHook', interval=50)),
        custom_hooks=[dict(type='EpochSeedHook'), dict(type='ClassStatsHook')]
        + ([dict(type='FeatureCacheHook')] if cache else []),
        randomness=dict(seed=0),
        log_level='WARNING',
    ))
    if not device.startswith('cuda'):
        new.env_cfg = dict(dist_cfg=dict(backend='gloo'))
    return new


def whole_run(cfg: Config) -> Dict[str, float]:
    """Wall time (build to final evaluation) and final metrics of a training run."""
    from mmengine.runner import Runner
    start = time.perf_counter()
    runner = Runner.from_cfg(cfg)
    runner.train()
    metrics = runner.val_loop.run() if runner.val_loop is not None else {}
    wall = time.perf_counter() - start
    return dict(wall_s=wall, mAP=float(metrics.get('lt/mAP', float('nan'))))


class EpochTimer(Hook):
    """Wall time of every train epoch (the loop with its hooks, data and steps)."""

    priority = 'VERY_HIGH'

    def __init__(self, device: str) -> None:
        self.device = device
        self.epoch_s: List[float] = []
        self._start = 0.0

    def before_train_epoch(self, runner) -> None:
        _sync(self.device)
        self._start = time.perf_counter()

    def after_train_epoch(self, runner) -> None:
        _sync(self.device)
        self.epoch_s.append(time.perf_counter() - self._start)


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


def config_run(cfg: Config, device: str) -> Dict[str, Any]:
    """Train ``cfg`` (from :func:`config_run_cfg`), then test it.

    ``train_images_per_s`` is the train set over the median epoch time, epochs after
    the first (warm-up; with the cache, its one-off encoding happens before epoch 1
    and is reported as part of ``wall_s`` only): the median keeps a shared machine's
    stalls out of the figure; ``train_images_per_s_mean`` uses the mean.
    """
    from mmengine.runner import Runner
    start = time.perf_counter()
    runner = Runner.from_cfg(cfg)
    timer = EpochTimer(device)
    runner.register_hook(timer)
    runner.train()
    train_s = time.perf_counter() - start
    metrics = runner.test() if cfg.get('test_dataloader') else {}
    num = len(runner.train_dataloader.dataset)
    timed = timer.epoch_s[1:] or timer.epoch_s
    return dict(train_images_per_s=num / float(np.median(timed)),
                train_images_per_s_mean=num * len(timed) / sum(timed), epoch_s=timer.epoch_s,
                train_wall_s=train_s, wall_s=time.perf_counter() - start,
                mAP=float(metrics.get('lt/mAP', float('nan'))))


def config_runs(cfg: Config, device: str, work_dir: str, epochs: Optional[int] = None,
                repeats: int = 1, amp: bool = False) -> Dict[str, Any]:
    """The config's own training (its data and weights), uncached then cached.

    ``repeats`` pairs run alternately (a shared machine's slow phases hit both);
    ``train_images_per_s`` of each is the median over the repeats and
    ``train_speedup_cache`` their ratio. ``cached`` / ``uncached`` hold the last
    repeat's run record (epoch times, final ``mAP``).
    """
    dataset = (cfg.get('train_dataloader') or {}).get('dataset')
    if not dataset:
        return dict(skipped='the config has no train_dataloader.dataset')
    data_root = dataset.get('data_root')
    if data_root and not osp.isdir(data_root):
        return dict(skipped=f'{data_root} does not exist (for the offline world: '
                    'python tools/demo.py, or tools/make_synthetic_lt.py and '
                    'tools/pretrain_clip.py)')
    if repeats < 1:
        raise ValueError(f'repeats must be >= 1, got {repeats}')
    speeds: Dict[str, List[float]] = dict(uncached=[], cached=[])
    runs: Dict[str, Any] = {}
    for _ in range(repeats):
        for name, cache in (('uncached', False), ('cached', True)):
            run_cfg = config_run_cfg(cfg, osp.join(work_dir, 'config_' + name), cache,
                                     device, epochs)
            if amp:
                run_cfg.optim_wrapper.type = 'AmpOptimWrapper'
            runs[name] = config_run(run_cfg, device)
            speeds[name].append(runs[name]['train_images_per_s'])
    for name, values in speeds.items():
        runs[name]['train_images_per_s_repeats'] = values
        runs[name]['train_images_per_s'] = float(np.median(values))
    runs['train_speedup_cache'] = (runs['cached']['train_images_per_s']
                                   / runs['uncached']['train_images_per_s'])
    runs['train_speedup_repeats'] = [c / u for c, u in zip(speeds['cached'],
                                                           speeds['uncached'])]
    runs['mAP_difference'] = runs['cached']['mAP'] - runs['uncached']['mAP']
    return runs


def format_table(results: Dict[str, Any]) -> str:
    rows = [('training images/s, uncached', 'train_images_per_s_uncached', '{:.1f}'),
            ('training images/s, cached features', 'train_images_per_s_cached', '{:.1f}'),
            ('  cache speed-up (x)', 'train_speedup_cache', '{:.2f}'),
            ('  one-off encoding of the batches (s)', 'cache_build_s', '{:.2f}'),
            ('eval images/s, bare image encoder', 'eval_images_per_s_encoder', '{:.1f}'),
            ('eval images/s, full model', 'eval_images_per_s_model', '{:.1f}'),
            ('  ratio vs encoder', 'eval_ratio_vs_encoder', '{:.3f}'),
            ('CSE token mode peak (MiB)', 'cse_peak_bytes_token', 'MiB'),
            ('CSE naive broadcast peak (MiB)', 'cse_peak_bytes_naive', 'MiB'),
            ('  memory ratio (x)', 'cse_memory_ratio', '{:.1f}')]
    lines = [f"device: {results.get('device_name')}  arch: {results.get('arch')}  "
             f"batch: {results.get('batch_size')}  iters: {results.get('iters')}"]
    for label, key, fmt in rows:
        if key not in results:
            continue
        v = results[key]
        text = f'{v / 2**20:.1f}' if fmt == 'MiB' else fmt.format(v)
        lines.append(f'{label:<42}{text:>12}')
    loop = results.get('config_run') or {}
    for name in ('uncached', 'cached'):
        if name in loop:
            run = loop[name]
            lines.append(f"{'config training images/s, ' + name:<42}"
                         f"{run['train_images_per_s']:>12.1f}   final mAP {run['mAP']:.2f}")
    if 'train_speedup_cache' in loop:
        repeats = loop.get('train_speedup_repeats') or []
        per_repeat = ('   repeats ' + ', '.join(f'{r:.2f}' for r in repeats)
                      if len(repeats) > 1 else '')
        lines.append(f"{'  cache speed-up, config training (x)':<42}"
                     f"{loop['train_speedup_cache']:>12.2f}{per_repeat}")
    if 'skipped' in loop:
        lines.append(f"config training: skipped ({loop['skipped']})")
    for name, run in (results.get('whole_run') or {}).items():
        if isinstance(run, dict):
            lines.append(f"{'whole run, ' + name + ' (s)':<42}{run['wall_s']:>12.1f}"
                         f"   final mAP {run['mAP']:.2f}")
    return '\n'.join(lines)


def device_name(device: str) -> str:
    if device.startswith('cuda'):
        return torch.cuda.get_device_name(torch.device(device))
    import platform
    return f'CPU ({platform.processor() or platform.machine()}, ' \
           f'{torch.get_num_threads()} torch threads)'
