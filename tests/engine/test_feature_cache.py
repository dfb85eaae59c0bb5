"""Frozen-encoder feature cache: views, equality with image training, invalidation."""
import copy
import shutil

import pytest
import torch
from mmengine.dataset import pseudo_collate
from mmpretrain.registry import DATASETS, MODELS
from mmpretrain.utils import register_all_modules

import lmpt_mm  # noqa: F401
from lmpt_mm.engine.feature_cache import (build_feature_cache, merge_shares, plan_views,
                                          rank_share)
from lmpt_mm.engine.feature_cache.cache import view_datasets
from lmpt_mm.models.clip import CLIP_MEAN_255, CLIP_STD_255


CLASSES = ['dog', 'cat', 'car', 'tree']
META_KEYS = ('sample_idx', 'img_path', 'flip', 'flip_direction', 'caption')


def pipeline(flip_prob=0.5, extra=()):
    steps = [dict(type='LoadImageFromFile'),
             dict(type='Resize', scale=(32, 32), interpolation='bicubic')]
    steps += list(extra)
    if flip_prob is not None:
        steps.append(dict(type='RandomFlip', prob=flip_prob, direction='horizontal'))
    steps.append(dict(type='PackInputs', meta_keys=META_KEYS))
    return steps


def dataset_cfg(root, pipe, split='train'):
    cfg = dict(type='LTMultiLabelDataset', data_root=str(root), label_file='labels.txt',
               ann_file=f'{split}.txt', train_ann_file='train.txt', head_thr=6,
               tail_thr=3, pipeline=copy.deepcopy(pipe))
    if split == 'train':
        cfg.update(caption_file='captions.txt', with_caption=True)
    return cfg


def build_dataset(root, pipe):
    return DATASETS.build(dataset_cfg(root, pipe))


def model_cfg(arch='lmpt-tiny-vit', return_local=False, head='LMPTHead'):
    if head == 'LMPTHead':
        head_cfg = dict(type='LMPTHead', prompt_learner=dict(n_ctx=4),
                        loss=dict(type='DistributionBalancedLoss'),
                        cse_loss=dict(type='ClassSpecificEmbeddingLoss'))
    else:
        head_cfg = dict(type=head, prompt_learner=dict(n_ctx=4, csc=True))
    return dict(type='CLIPPromptClassifier',
                backbone=dict(type='CLIPImageEncoder', arch=arch, return_local=return_local),
                head=dict(head_cfg, arch=arch, classes=CLASSES),
                data_preprocessor=dict(type='ClsDataPreprocessor', mean=CLIP_MEAN_255,
                                       std=CLIP_STD_255, to_rgb=True))


def build_model(**kwargs):
    model = MODELS.build(model_cfg(**kwargs))
    stats = dict(class_freq=[5, 4, 3, 2], neg_class_freq=[11, 12, 13, 14])
    model.head.set_class_stats(stats['class_freq'], stats['neg_class_freq'])
    return model


@pytest.fixture(scope='module', autouse=True)
def _registry():
    register_all_modules(init_default_scope=False)


def test_default_pipeline_has_two_flip_views():
    plan = plan_views(pipeline(0.5))
    assert plan.mode == 'enumerated' and plan.probs == [0.5, 0.5]
    assert plan.flips == [False, True]
    assert [v[2]['prob'] for v in plan.pipelines] == [0.0, 1.0]
    assert plan_views(pipeline(0.0)).flips == [False]  # a view that never occurs is skipped
    assert plan_views(pipeline(None)).probs == [1.0]


def test_random_pipeline_needs_num_views():
    crop = [dict(type='RandomResizedCrop', scale=32)]
    plan = plan_views(pipeline(0.5, crop))
    assert plan.mode == 'none' and 'RandomResizedCrop' in plan.reason
    assert 'num_views' in plan.reason
    sampled = plan_views(pipeline(0.5, crop), num_views=3)
    assert sampled.mode == 'sampled' and sampled.probs == pytest.approx([1 / 3] * 3)
    with pytest.raises(ValueError, match='num_views'):
        plan_views(pipeline(0.5), num_views=0)


@pytest.mark.parametrize('num,world', [(10, 3), (7, 2), (4, 4), (3, 5)])
def test_rank_shares_cover_and_merge_in_order(num, world):
    rows = torch.arange(num * 2.0).reshape(num, 2)
    pad = -(-num // world)
    shares = []
    for rank in range(world):
        idx = rank_share(num, rank, world)
        share = torch.zeros(pad, 2)
        share[:len(idx)] = rows[idx]
        shares.append(share)
    assert sorted(i for r in range(world) for i in rank_share(num, r, world)) == \
        list(range(num))
    assert torch.equal(merge_shares(shares, num), rows)


def _count_backbone_calls(model, monkeypatch):
    calls = []
    real = type(model.backbone).forward
    monkeypatch.setattr(type(model.backbone), 'forward',
                        lambda self, x: calls.append(x.shape[0]) or real(self, x))
    return calls


def _build(model, dataset, pipe, cache_dir, **kwargs):
    return build_feature_cache(model, dataset, pipe, model_cfg=dict(arch='tiny'),
                               dataset_cfg=dict(ann_file='train.txt'),
                               cache_dir=str(cache_dir), batch_size=5, **kwargs)


@pytest.mark.parametrize('arch,head,local', [('lmpt-tiny-vit', 'LMPTHead', False),
                                             ('lmpt-tiny-rn', 'DualCoOpHead', True)])
def test_cached_loss_equals_image_loss(tiny_lt_world, tmp_path, arch, head, local):
    """Same images, same flips: the loss from cached features is the image loss."""
    torch.manual_seed(0)
    model = build_model(arch=arch, head=head, return_local=local)
    model.train()
    pipe = pipeline(0.5)
    dataset = build_dataset(tiny_lt_world, pipe)
    result = _build(model, dataset, pipe, tmp_path)
    assert result.dataset is not None and result.encoded
    views = view_datasets(dataset, plan_views(pipe))
    picks = [(0, 0), (1, 1), (5, 1), (6, 0)]  # (image, view): both flips in the batch
    image_batch = pseudo_collate([views[v][i] for i, v in picks])
    feat_batch = pseudo_collate([result.dataset.sample(i, v) for i, v in picks])
    for a, b in zip(image_batch['data_samples'], feat_batch['data_samples']):
        assert a.flip == b.flip and a.caption == b.caption and a.img_path == b.img_path
        assert torch.equal(a.gt_label, b.gt_label)
    loss_img = model(**model.data_preprocessor(image_batch, True), mode='loss')
    loss_feat = model(**model.data_preprocessor(feat_batch, True), mode='loss')
    assert set(loss_img) == set(loss_feat)
    for k in loss_img:
        assert torch.allclose(loss_img[k], loss_feat[k], rtol=1e-5, atol=1e-6), k
    # gradients too: the prompts get the same update either way
    grads = []
    for batch in (image_batch, feat_batch):
        model.zero_grad()
        sum(model(**model.data_preprocessor(batch, True), mode='loss').values()).backward()
        grads.append([p.grad.clone() for p in model.parameters() if p.requires_grad])
    for ga, gb in zip(*grads):
        assert torch.allclose(ga, gb, rtol=1e-4, atol=1e-6)


def test_view_draw_follows_seeded_global_rng(tiny_lt_world, tmp_path):
    model = build_model()
    pipe = pipeline(0.5)
    cached = _build(model, build_dataset(tiny_lt_world, pipe), pipe, tmp_path).dataset
    torch.manual_seed(3)
    first = [cached[i]['data_samples'].flip for i in range(16)]
    torch.manual_seed(3)
    assert [cached[i]['data_samples'].flip for i in range(16)] == first
    assert set(first) == {True, False}


@pytest.mark.parametrize('arch,local', [('lmpt-tiny-vit', False), ('lmpt-tiny-rn', True)])
def test_batch_fetch_equals_collated_samples(tiny_lt_world, tmp_path, arch, local):
    """A whole-batch fetch holds what the collated per-sample path holds."""
    from lmpt_mm.engine.feature_cache import CachedFeatureLoader
    from lmpt_mm.engine.feature_cache import FEATS_KEY, LOCAL_FEATS_KEY
    model = build_model(arch=arch, head='DualCoOpHead' if local else 'LMPTHead',
                        return_local=local)
    pipe = pipeline(0.5)
    cached = _build(model, build_dataset(tiny_lt_world, pipe), pipe, tmp_path).dataset
    indices = [7, 0, 3, 3, 12, 5]
    torch.manual_seed(11)
    views = cached.draw_views(len(indices))
    torch.manual_seed(11)
    batch = cached.batch(indices)
    assert set(views) == {0, 1}  # both views occur, so both gather paths run
    collated = pseudo_collate([cached.sample(i, v) for i, v in zip(indices, views)])
    keys = [FEATS_KEY] + ([LOCAL_FEATS_KEY] if local else [])
    assert sorted(batch['inputs']) == sorted(keys)
    for key in keys:
        assert torch.equal(batch['inputs'][key], torch.stack(collated['inputs'][key]))
    assert [s.flip for s in batch['data_samples']] == [bool(v) for v in views]
    assert [s.img_path for s in batch['data_samples']] == \
        [s.img_path for s in collated['data_samples']]
    # Each (image, view) sample is packed once and handed out again.
    assert cached.packed_sample(3, views[2]) is cached.packed_sample(3, views[2])
    # pack_all (FeatureCacheHook, before training) packs every pair up front: the
    # steps never pack (PackInputs is not even reachable any more)
    cached.pack_all()
    assert len(cached._packed) == 2 * len(cached)
    cached.pack = None
    assert len(cached.batch(list(range(len(cached))))['data_samples']) == len(cached)

    class EpochSampler(list):
        epoch = None

        def set_epoch(self, epoch):
            self.epoch = epoch

    sampler = EpochSampler(range(len(cached)))
    batch_sampler = torch.utils.data.BatchSampler(sampler, batch_size=5, drop_last=False)
    loader = CachedFeatureLoader(cached, batch_sampler)
    loader.sampler.set_epoch(4)  # MMEngine's DistSamplerSeedHook reaches the sampler
    assert sampler.epoch == 4 and loader.batch_size == 5
    batches = list(loader)
    assert len(batches) == len(loader) == -(-len(cached) // 5)
    assert [s.sample_idx for b in batches for s in b['data_samples']] == list(sampler)


def test_cache_reused_and_invalidated(tiny_lt_world, tmp_path, monkeypatch):
    root = tmp_path / 'world'  # a copy: this test edits data files
    shutil.copytree(tiny_lt_world, root)
    model = build_model()
    calls = _count_backbone_calls(model, monkeypatch)
    pipe = pipeline(0.5)
    cache_dir = tmp_path / 'cache'

    first = _build(model, build_dataset(root, pipe), pipe, cache_dir)
    assert first.encoded and sum(calls) == 16 * 2  # every image once per view
    calls.clear()
    again = _build(model, build_dataset(root, pipe), pipe, cache_dir)
    # loaded, not encoded: one image goes through the encoder to check the shapes
    assert not again.encoded and calls == [1] and again.key == first.key
    for a, b in zip(first.dataset.views, again.dataset.views):
        assert all(torch.equal(x, y) for x, y in zip(a, b))

    keys = {first.key}
    other_pipe = pipeline(0.5)
    other_pipe[1]['interpolation'] = 'bilinear'
    changed = _build(model, build_dataset(root, other_pipe), other_pipe, cache_dir)
    assert changed.encoded and changed.key not in keys
    keys.add(changed.key)

    # a data file changes: an image's pixels, then an annotation file
    shutil.copy(root / 'images' / 'train_001.png', root / 'images' / 'train_000.png')
    calls.clear()
    changed = _build(model, build_dataset(root, pipe), pipe, cache_dir)
    assert changed.encoded and changed.key not in keys and sum(calls) == 32
    keys.add(changed.key)
    captions = (root / 'captions.txt').read_text().replace('a photo of', 'an image of')
    (root / 'captions.txt').write_text(captions)
    changed = _build(model, build_dataset(root, pipe), pipe, cache_dir)
    assert changed.encoded and changed.key not in keys
    keys.add(changed.key)

    # other weights of the image encoder
    with torch.no_grad():
        next(model.backbone.parameters()).add_(0.01)
    changed = _build(model, build_dataset(root, pipe), pipe, cache_dir)
    assert changed.encoded and changed.key not in keys
    assert len(list(cache_dir.glob('*.pt'))) == len(keys) + 1


def test_fallbacks_say_why(tiny_lt_world, tmp_path):
    model = build_model()
    crop = pipeline(0.5, [dict(type='ColorJitter', brightness=0.4)])
    result = _build(model, build_dataset(tiny_lt_world, crop), crop, tmp_path)
    assert result.dataset is None and 'ColorJitter' in result.reason
    sampled = _build(model, build_dataset(tiny_lt_world, crop), crop, tmp_path, num_views=2)
    assert sampled.dataset is not None and len(sampled.dataset.views) == 2
    # the K random views are fixed draws: a rebuild gives the same features
    rebuilt = _build(model, build_dataset(tiny_lt_world, crop), crop, tmp_path / 'b',
                     num_views=2)
    assert torch.equal(rebuilt.dataset.views[1][0], sampled.dataset.views[1][0])
    assert not torch.equal(sampled.dataset.views[0][0], sampled.dataset.views[1][0])
    for p in model.backbone.parameters():
        p.requires_grad_(True)
    model.backbone.frozen = False
    pipe = pipeline(0.5)
    result = _build(model, build_dataset(tiny_lt_world, pipe), pipe, tmp_path)
    assert result.dataset is None and 'frozen=False' in result.reason


# --- a cache that does not fit the model is rebuilt, with a log line -------
@pytest.mark.parametrize('damage', ['shape', 'nan'])
def test_cache_of_wrong_shape_or_nan_is_rebuilt(tiny_lt_world, tmp_path, mm_log, damage):
    model = build_model()
    pipe = pipeline(0.5)
    first = _build(model, build_dataset(tiny_lt_world, pipe), pipe, tmp_path)
    payload = torch.load(first.path, weights_only=True)
    feats = payload['views'][1][0]
    if damage == 'shape':  # e.g. written for an encoder of another width
        payload['views'][1][0] = torch.zeros(feats.shape[0], feats.shape[1] + 3)
    else:
        payload['views'][1][0][2, 0] = float('nan')
    torch.save(payload, first.path)
    again = _build(model, build_dataset(tiny_lt_world, pipe), pipe, tmp_path)
    assert again.encoded and again.path == first.path
    width = list(feats.shape[1:])
    expected = (f'{first.path} holds features of per-image shapes [[{width[0] + 3}]] '
                f"(view 1) but the model's image encoder gives [{width}]; rebuilding it"
                if damage == 'shape' else
                f'{first.path} holds non-finite features (view 1, output 0); rebuilding it')
    assert any(expected in m for m in mm_log.messages()), mm_log.messages()
    for a, b in zip(first.dataset.views, again.dataset.views):
        assert all(torch.equal(x, y) for x, y in zip(a, b))
