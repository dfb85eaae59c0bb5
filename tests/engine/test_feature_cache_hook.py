"""FeatureCacheHook through MMEngine's Runner: same training, fewer encoder calls."""
import copy
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from lmpt_mm.engine.feature_cache import apply_feature_cache_cfg
from test_feature_cache import dataset_cfg, model_cfg, pipeline


def runner_cfg(root, work_dir, cache: bool, pipe):
    test_pipe = [t for t in pipe if t['type'] != 'RandomFlip']
    cfg = dict(
        model=model_cfg(),
        work_dir=str(work_dir),
        # MMEngine names a run's logger after its config and the second it started:
        # two runners of one second would share the first one's (and its stream)
        experiment_name='-'.join(Path(work_dir).parts[-2:]),
        default_scope='mmpretrain',
        train_dataloader=dict(batch_size=4, num_workers=0,
                              sampler=dict(type='DefaultSampler', shuffle=True),
                              dataset=dataset_cfg(root, pipe)),
        val_dataloader=dict(batch_size=4, num_workers=0,
                            sampler=dict(type='DefaultSampler', shuffle=False),
                            dataset=dataset_cfg(root, test_pipe, split='test')),
        val_evaluator=dict(type='GroupAveragePrecision', head_thr=6, tail_thr=3),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.05, momentum=0.9)),
        train_cfg=dict(by_epoch=True, max_epochs=2, val_interval=2),
        val_cfg=dict(),
        default_hooks=dict(checkpoint=dict(type='CheckpointHook', interval=100),
                           logger=dict(type='LoggerHook', interval=1)),
        custom_hooks=[dict(type='EpochSeedHook'), dict(type='ClassStatsHook')],
        randomness=dict(seed=0),
        feature_cache=dict(enable=cache),
    )
    cfg = Config(cfg)
    apply_feature_cache_cfg(cfg)
    return cfg


def _train(cfg, monkeypatch):
    runner = Runner.from_cfg(cfg)
    model = runner.model
    counts = dict(backbone=0, text=0)
    backbone_fwd = type(model.backbone).forward
    text_fwd = type(model.head.text_encoder).forward

    def count_backbone(self, x):
        counts['backbone'] += x.shape[0]
        return backbone_fwd(self, x)

    def count_text(self, e, t):
        counts['text'] += 1
        return text_fwd(self, e, t)

    monkeypatch.setattr(type(model.backbone), 'forward', count_backbone)
    monkeypatch.setattr(type(model.head.text_encoder), 'forward', count_text)
    runner.train()
    # a separate evaluation of 12 images in 3 batches: class prompts encoded once
    runner.model.train()
    counts['train_text'], counts['text'] = counts['text'], 0
    runner.val()
    counts['val_text'] = counts.pop('text')
    monkeypatch.undo()
    return runner, counts


def test_cached_training_matches_image_training(tiny_lt_world, tmp_path, monkeypatch):
    pipe = pipeline(flip_prob=None)  # one view: the two runs see identical inputs
    plain, plain_counts = _train(runner_cfg(tiny_lt_world, tmp_path / 'a', False, pipe),
                                 monkeypatch)
    cached, cached_counts = _train(runner_cfg(tiny_lt_world, tmp_path / 'b', True, pipe),
                                   monkeypatch)
    assert cached.cfg.custom_hooks[-1]['type'] == 'FeatureCacheHook'
    ctx_a = plain.model.head.prompt_learner.ctx
    ctx_b = cached.model.head.prompt_learner.ctx
    assert not torch.equal(ctx_b, model_init_ctx(cached))  # it trained
    assert torch.allclose(ctx_a, ctx_b, rtol=1e-4, atol=1e-6)
    # images encoded: 2 epochs x 16 train + 2 x 12 val without the cache; 16 + 24 with it
    assert plain_counts['backbone'] == 2 * 16 + 2 * 12
    assert cached_counts['backbone'] == 16 + 2 * 12
    # training: one call per step (8) plus new captions, the same in both runs
    assert plain_counts['train_text'] == cached_counts['train_text'] >= 8 + 1
    assert plain_counts['val_text'] == cached_counts['val_text'] == 1
    assert list((tmp_path / 'b' / 'feature_cache').glob('*.pt'))
    # every (image, view) sample was packed before training: no packing in the steps
    dataset = cached.train_loop.dataloader.dataset
    assert dataset._all_packed and len(dataset._packed) == len(dataset) * len(dataset.views)


def model_init_ctx(runner):
    fresh = copy.deepcopy(runner.cfg.model)
    from mmpretrain.registry import MODELS
    torch.manual_seed(0)
    return MODELS.build(fresh).head.prompt_learner.ctx


def test_uncacheable_pipeline_falls_back(tiny_lt_world, tmp_path, monkeypatch, capsys):
    pipe = pipeline(0.5, [dict(type='ColorJitter', brightness=0.4)])
    cfg = runner_cfg(tiny_lt_world, tmp_path, True, pipe)
    cfg.train_cfg.max_epochs = 1
    cfg.train_cfg.val_interval = 5
    runner, counts = _train(cfg, monkeypatch)
    assert counts['backbone'] == 16 + 2 * 12  # trained on images (+ 2 evaluations)
    out = capsys.readouterr().out
    assert 'FeatureCache: not used' in out and 'ColorJitter' in out


@pytest.mark.parametrize('enable', [True, False])
def test_config_switch(enable):
    cfg = Config(dict(feature_cache=dict(enable=enable, num_views=2),
                      custom_hooks=[dict(type='EpochSeedHook')]))
    apply_feature_cache_cfg(cfg)
    hooks = [h['type'] for h in cfg.custom_hooks]
    assert ('FeatureCacheHook' in hooks) == enable
