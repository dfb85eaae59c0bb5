"""CLIPPromptClassifier: cached-feature inputs, trainable-only state, eval text reuse, AMP."""
import copy

import pytest
import torch
from mmengine.optim import build_optim_wrapper
from mmengine.runner.checkpoint import load_state_dict
from mmpretrain.registry import MODELS

from lmpt_mm.engine.feature_cache import FEATS_KEY, LOCAL_FEATS_KEY
from lmpt_mm.models.clip import CLIP_MEAN_255, CLIP_STD_255

CLASSES = ['cat', 'dog', 'traffic light', 'person', 'potted plant']


def build(head_cfg, arch='lmpt-tiny-vit', return_local=False, **kwargs):
    return MODELS.build(dict(
        type='CLIPPromptClassifier',
        backbone=dict(type='CLIPImageEncoder', arch=arch, return_local=return_local),
        head=dict(copy.deepcopy(head_cfg), arch=arch, classes=CLASSES),
        data_preprocessor=dict(type='ClsDataPreprocessor', mean=CLIP_MEAN_255,
                               std=CLIP_STD_255, to_rgb=True), **kwargs))


def as_feature_batch(model, batch):
    feats = model.backbone(batch['inputs'])
    inputs = {FEATS_KEY: list(feats[0])}
    if len(feats) > 1:
        inputs[LOCAL_FEATS_KEY] = list(feats[1])
    return model.data_preprocessor(dict(inputs=inputs, data_samples=batch['data_samples']))


def test_cached_features_stages():
    """The backbone stage is the cache itself; the neck stage runs the neck on it."""
    from lmpt_mm.engine.feature_cache import cached_features
    feats = {FEATS_KEY: [torch.ones(3), torch.zeros(3)]}
    out = cached_features(feats, neck=None, stage='neck')
    assert len(out) == 1 and torch.equal(out[0], torch.tensor([[1.0] * 3, [0.0] * 3]))
    doubled = cached_features(feats, neck=lambda t: tuple(2 * x for x in t), stage='neck')
    assert torch.equal(doubled[0], 2 * out[0])
    assert torch.equal(cached_features(feats, neck=lambda t: t, stage='backbone')[0], out[0])
    with pytest.raises(ValueError, match="stage='pre_logits'"):
        cached_features(feats, neck=lambda t: t, stage='pre_logits')


@pytest.mark.parametrize('name', ['CoOpHead', 'DualCoOpHead', 'LMPTHead'])
def test_feature_inputs_give_the_image_logits(head_cfgs, make_batch, name):
    model = build(head_cfgs[name], return_local=name == 'DualCoOpHead')
    assert type(model.data_preprocessor).__name__ == 'FeatureAwareClsDataPreprocessor'
    model.eval()
    batch = make_batch(model)
    with torch.no_grad():
        from_images = model(batch['inputs'], mode='tensor')
        feat_batch = as_feature_batch(model, batch)
        from_feats = model(feat_batch['inputs'], mode='tensor')
        preds = model(**feat_batch, mode='predict')
    assert torch.allclose(from_images, from_feats, atol=1e-6)
    assert torch.allclose(torch.stack([p.pred_score for p in preds]),
                          torch.sigmoid(from_images), atol=1e-6)


def test_trainable_only_state_round_trip(head_cfgs, make_batch):
    model = build(head_cfgs['LMPTHead'], save_trainable_only=True)
    state = model.state_dict()
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    assert trainable <= set(state)
    assert not any(k.startswith(('backbone.', 'head.text_encoder.')) for k in state)
    full = build(head_cfgs['LMPTHead']).state_dict()
    assert len(state) < len(full) // 10
    with torch.no_grad():
        model.head.prompt_learner.ctx.add_(1.0)
    fresh = build(head_cfgs['LMPTHead'], save_trainable_only=True)
    fresh.load_state_dict(model.state_dict(), strict=True)  # no missing-key error
    load_state_dict(fresh, model.state_dict(), strict=True)  # nor through MMEngine
    assert torch.equal(fresh.head.prompt_learner.ctx, model.head.prompt_learner.ctx)
    # a full model still reports keys genuinely missing from a checkpoint
    with pytest.raises(RuntimeError, match='backbone'):
        build(head_cfgs['LMPTHead']).load_state_dict(state, strict=True)


@pytest.mark.parametrize('name', ['CoOpHead', 'DualCoOpHead', 'LMPTHead'])
def test_eval_encodes_class_prompts_once(head_cfgs, make_batch, monkeypatch, name):
    model = build(head_cfgs[name], return_local=name == 'DualCoOpHead')
    enc = model.head.text_encoder
    calls = []
    real = type(enc).forward
    monkeypatch.setattr(type(enc), 'forward',
                        lambda self, e, t: calls.append(e.shape[0]) or real(self, e, t))
    batches = [make_batch(model, num=3, seed=s) for s in range(4)]

    def evaluate():
        calls.clear()
        model.eval()
        with torch.no_grad():
            scores = [model(**b, mode='predict') for b in batches]
        return len(calls), torch.stack([p.pred_score for s in scores for p in s])

    n_calls, before = evaluate()
    assert n_calls == 1  # not once per batch
    assert evaluate()[0] == 0  # nothing changed since: still valid
    with torch.no_grad():  # reference: fresh computation per batch
        ref = torch.stack([p.pred_score for b in batches
                           for p in model.head.predict(model.extract_feat(b['inputs']),
                                                       b['data_samples'])])
    assert torch.allclose(before, ref)

    optim = build_optim_wrapper(model, dict(optimizer=dict(type='SGD', lr=0.5)))
    model.train()
    optim.update_params(sum(model(**batches[0], mode='loss').values()))
    n_calls, after = evaluate()
    assert n_calls == 1 and not torch.allclose(after, before)  # new prompts, recomputed

    # parameter changed in place while in eval mode (no train(True)) -> recomputed
    with torch.no_grad():
        for p in model.parameters():
            if p.requires_grad:
                p.mul_(0.5)
    assert evaluate()[0] == 1
    state = copy.deepcopy(model.state_dict())
    evaluate()
    model.load_state_dict(state)
    assert evaluate()[0] == 1
    # grad-enabled eval forward never reuses (gradients must reach the prompts)
    model.eval()
    calls.clear()
    model(**batches[0], mode='predict')
    model(**batches[1], mode='predict')
    assert len(calls) == 2


def test_autocast_keeps_prompts_and_losses_fp32(head_cfgs, make_batch):
    model = build(head_cfgs['LMPTHead'])
    model.train()
    batch = make_batch(model)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        logits = model(batch['inputs'], mode='tensor')
        losses = model(**batch, mode='loss')
    assert logits.dtype == torch.float32
    assert all(v.dtype == torch.float32 and torch.isfinite(v) for v in losses.values())
    sum(losses.values()).backward()
    ctx = model.head.prompt_learner.ctx
    assert ctx.dtype == torch.float32 and ctx.grad.dtype == torch.float32
    assert ctx.grad.abs().sum() > 0
    # bf16 inside, fp32 out: close to the fp32 losses
    fp32 = model(**batch, mode='loss')
    for k in fp32:
        assert torch.allclose(losses[k], fp32[k], rtol=0.05, atol=0.02), k


def test_feature_batches_keep_samples_already_on_the_device():
    from mmpretrain.structures import DataSample

    from lmpt_mm.engine.feature_cache.preprocessor import _samples_on
    pre = MODELS.build(dict(type='FeatureAwareClsDataPreprocessor', to_onehot=True,
                            num_classes=5))
    samples = [DataSample().set_gt_label([0, 3]), DataSample().set_gt_label([2])]
    out = pre(dict(inputs={FEATS_KEY: [torch.ones(4), torch.zeros(4)]},
                   data_samples=samples), training=True)
    assert out['inputs'][FEATS_KEY].shape == (2, 4)
    assert all(a is b for a, b in zip(out['data_samples'], samples))  # no rebuild
    assert torch.equal(out['data_samples'][0].gt_score, torch.tensor([1., 0, 0, 1, 0]))
    assert _samples_on(samples, torch.device('cpu'))
    assert not _samples_on(samples, torch.device('meta'))  # elsewhere: cast as usual
