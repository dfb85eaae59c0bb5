"""Wall time of a whole short training run, with and without the cache, on a
generated random-image world (``lmpt_mm.synthetic.random_world``)."""
import copy
import os.path as osp
import time
from typing import Any, Dict

from mmengine.config import Config

from .repeats import alternate, summarise


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




def whole_runs(cfg: Config, model_cfg: dict, world: str, work_dir: str, size: int,
               epochs: int, batch_size: int, device: str, amp: bool = False,
               repeats: int = 3) -> Dict[str, Any]:
    """Uncached and cached whole runs alternating ``repeats`` times (medians).

    Each run has its own work dir, so every cached run encodes its cache anew (what
    a first run of a config pays). ``uncached`` / ``cached`` hold the median
    ``wall_s`` with its repeats and the last run's final ``mAP``.
    """
    runs: Dict[str, Any] = dict(uncached={}, cached={})
    count = dict(uncached=0, cached=0)

    def measure(name: str, cache: bool):
        def run() -> float:
            count[name] += 1
            run_cfg = whole_run_cfg(cfg, model_cfg, world,
                                    osp.join(work_dir, f'{name}_{count[name]}'), size,
                                    epochs, batch_size, cache, device)
            if amp:
                run_cfg.optim_wrapper.type = 'AmpOptimWrapper'
            result = whole_run(run_cfg)
            runs[name]['mAP'] = result['mAP']
            return result['wall_s']
        return run

    values = alternate(dict(uncached=measure('uncached', False),
                            cached=measure('cached', True)), repeats)
    for name in ('uncached', 'cached'):
        summarise(runs[name], 'wall_s', values[name])
    summarise(runs, 'speedup', [u / c for u, c in zip(values['uncached'],
                                                      values['cached'])])
    runs['mAP_difference'] = runs['cached']['mAP'] - runs['uncached']['mAP']
    return runs
