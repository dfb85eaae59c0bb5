"""The CLIP prompt heads inside MMPretrain's ImageClassifier (tiny CLIP, random weights)."""
import copy

import pytest
import torch
import torch.nn.functional as F
from mmengine.optim import build_optim_wrapper

TRAINABLE = ['CoOpHead', 'DualCoOpHead', 'LMPTHead']


def _build(make_classifier, head_cfgs, name, arch='lmpt-tiny-vit'):
    return make_classifier(copy.deepcopy(head_cfgs[name]), arch=arch,
                           return_local=name == 'DualCoOpHead')


def _prompt_params(model):
    return {n for n, _ in model.named_parameters() if '.ctx' in n and n.startswith('head.')}


@pytest.mark.parametrize('name', TRAINABLE)
def test_gradients_only_reach_prompts(make_classifier, make_batch, head_cfgs, name):
    model = _build(make_classifier, head_cfgs, name)
    model.train()
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    assert trainable == _prompt_params(model) and trainable
    losses = model(**make_batch(model), mode='loss')
    sum(losses.values()).backward()
    for n, p in model.named_parameters():
        if n in trainable:
            assert p.grad is not None and p.grad.abs().sum() > 0, n
        else:
            assert p.grad is None, n


@pytest.mark.parametrize('name,arch', [('CoOpHead', 'lmpt-tiny-rn'),
                                       ('LMPTHead', 'lmpt-tiny-vit'),
                                       ('DualCoOpHead', 'lmpt-tiny-rn')])
def test_sgd_step_changes_only_prompts(make_classifier, make_batch, head_cfgs, name, arch):
    model = _build(make_classifier, head_cfgs, name, arch)
    optim = build_optim_wrapper(model, dict(
        optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=1e-4)))
    before = {k: v.clone() for k, v in model.state_dict().items()}
    model.train()
    assert not any(m.training for m in model.backbone.visual.modules())
    assert not any(m.training for m in model.head.text_encoder.modules())
    optim.update_params(model(**make_batch(model), mode='loss')['loss'] if name == 'CoOpHead'
                        else sum(model(**make_batch(model), mode='loss').values()))
    prompts = _prompt_params(model)
    for k, v in model.state_dict().items():
        if k in prompts:
            assert not torch.equal(v, before[k]), k
        else:  # encoders (and RN BatchNorm running stats) bit-identical
            assert torch.equal(v, before[k]), k
    params = dict(model.named_parameters())
    with_state = {n for n, p in params.items() if optim.optimizer.state.get(p)}
    assert with_state == prompts


@pytest.mark.parametrize('name', TRAINABLE)
def test_training_lowers_loss(make_classifier, make_batch, head_cfgs, name):
    torch.manual_seed(0)
    model = _build(make_classifier, head_cfgs, name)
    optim = build_optim_wrapper(model, dict(optimizer=dict(type='SGD', lr=0.05, momentum=0.9)))
    batch = make_batch(model, num=6)
    model.train()
    history = []
    for _ in range(15):
        loss = sum(model(**batch, mode='loss').values())
        optim.update_params(loss)
        history.append(loss.item())
    assert history[-1] < 0.9 * history[0], history


@pytest.mark.parametrize('name', TRAINABLE + ['ZeroShotCLIPHead'])
def test_text_encoder_runs_once_per_forward(make_classifier, make_batch, head_cfgs, name,
                                            monkeypatch):
    cfg = head_cfgs.get(name, dict(type='ZeroShotCLIPHead'))
    model = make_classifier(copy.deepcopy(cfg), return_local=name == 'DualCoOpHead')
    enc = model.head.text_encoder
    calls = []
    real = type(enc).forward
    monkeypatch.setattr(type(enc), 'forward',
                        lambda self, e, t: calls.append(e.shape[0]) or real(self, e, t))
    batch = make_batch(model, num=4)
    if name != 'ZeroShotCLIPHead':
        model.train()
        model(**batch, mode='loss')
        calls.clear()
        model(**batch, mode='loss')
        assert len(calls) == 1  # captions cached after the first step
    model.eval()
    calls.clear()
    with torch.no_grad():
        model(**batch, mode='predict')
    expected = 2 * 5 if name == 'DualCoOpHead' else 5  # all classes at once, not per image
    if name == 'ZeroShotCLIPHead':
        assert calls == [5]
        calls.clear()
        model(**batch, mode='predict')
        assert calls == []  # class features cached
    else:
        assert calls == [expected]


def test_lmpt_loss_combination_and_caption_cache(make_classifier, make_batch, head_cfgs,
                                                 monkeypatch):
    model = _build(make_classifier, head_cfgs, 'LMPTHead')
    head = model.head
    batch = make_batch(model)
    feats = model.extract_feat(batch['inputs'])
    encoded = []
    real = head.text_encoder.encode_tokens
    monkeypatch.setattr(head.text_encoder, 'encode_tokens',
                        lambda t: encoded.append(t.shape[0]) or real(t))
    losses = head.loss(feats, batch['data_samples'])
    assert set(losses) == {'loss_db', 'loss_cse'}
    captions = [s.caption for s in batch['data_samples']]
    assert encoded == [len(set(captions))]
    head.loss(feats, batch['data_samples'])
    assert encoded == [len(set(captions))]  # second call: no re-encoding
    # oracle: lam * DB(z, y) + (1 - lam) * CSE(d), d = 1 - cos(t_k, p_i)
    logits, prompt_feats = head.logits_and_text(feats)
    target = head.targets(batch['data_samples'])
    db = head.loss_module(logits, target)
    cse = head.cse_loss(head.text_encoder.encode_texts(captions), prompt_feats, target)
    assert torch.allclose(losses['loss_db'], 0.5 * db)
    assert torch.allclose(losses['loss_cse'], 0.5 * cse)


def test_lmpt_token_mode(make_classifier, make_batch, head_cfgs):
    """Token mode (LMPT, Xia et al.): the CSE term from the captions' and the prompts'
    token embeddings, against the spec's formula written out by hand here."""
    cfg = copy.deepcopy(head_cfgs['LMPTHead'])
    cfg['cse_loss']['mode'] = 'token'
    model = make_classifier(cfg)
    head = model.head
    batch = make_batch(model)
    model.train()
    losses = model(**batch, mode='loss')
    losses['loss_cse'].backward()
    assert head.prompt_learner.ctx.grad.abs().sum() > 0  # the CSE term reaches prompts

    enc = head.text_encoder
    with torch.no_grad():
        caps = enc.embed_tokens(enc.tokenize([s.caption for s in batch['data_samples']]))
        prompts = head.prompt_learner()  # [C, L, W]
    y = head.targets(batch['data_samples']).double()
    n = head.cse_loss.class_freq.double().clamp(min=1)
    m_ctx, margin, gamma = head.cse_loss.m_ctx, head.cse_loss.margin, head.cse_loss.gamma
    num_b, num_c = y.shape
    d = torch.zeros(num_b, num_c, dtype=torch.float64)
    steps = min(caps.shape[1], prompts.shape[1] - m_ctx)
    for k in range(num_b):
        for i in range(num_c):
            cos = [F.cosine_similarity(caps[k, t].double(), prompts[i, t + m_ctx].double(),
                                       dim=0) for t in range(steps)]
            d[k, i] = sum(1 - c for c in cos) / steps
    w = n.pow(-gamma) / n.pow(-gamma).sum()
    hinge = torch.where(y > 0, d, (margin / n.pow(0.25) - d).clamp(min=0))
    expected = (1 - head.lam) * (w * hinge).sum() / num_b  # (1/B) sum_k sum_i w_i l_ki
    assert head.cse_loss.reduction == 'mean' and head.cse_loss.avg_factor == 'batch'
    assert torch.allclose(losses['loss_cse'].double(), expected, rtol=1e-5, atol=1e-7)
    assert expected > 0


@pytest.mark.parametrize('csc', [None, True, False])
def test_lmpt_contexts_are_class_specific_unless_configured(make_classifier, head_cfgs, csc):
    """LMPT's default is class-specific contexts ([C, M, W]); a config may say so again
    or choose a shared context ([M, W]), as the shared-context ablation does."""
    cfg = copy.deepcopy(head_cfgs['LMPTHead'])
    cfg['prompt_learner'] = dict(cfg.get('prompt_learner') or {}, n_ctx=2)
    if csc is not None:
        cfg['prompt_learner']['csc'] = csc
    ctx = make_classifier(cfg).head.prompt_learner.ctx
    assert ctx.dim() == (2 if csc is False else 3)


def test_lmpt_without_captions_says_how_to_fix(make_classifier, make_batch, head_cfgs):
    model = _build(make_classifier, head_cfgs, 'LMPTHead')
    with pytest.raises(ValueError, match='with_caption=True'):
        model(**make_batch(model, captions=False), mode='loss')


def test_set_class_stats_reaches_losses(make_classifier, head_cfgs, class_stats):
    model = _build(make_classifier, head_cfgs, 'LMPTHead')
    freq = [5, 4, 3, 2, 1]
    model.head.set_class_stats(freq, [16 - n for n in freq])
    assert model.head.loss_module.class_freq.tolist() == freq
    assert model.head.cse_loss.class_freq.tolist() == freq
    with pytest.raises(ValueError, match='5 classes'):
        model.head.set_class_stats([1, 2], [3, 4])


def test_predict_scores_are_sigmoid_of_logits(make_classifier, make_batch, head_cfgs):
    model = _build(make_classifier, head_cfgs, 'CoOpHead')
    model.eval()
    batch = make_batch(model)
    with torch.no_grad():
        logits = model(batch['inputs'], mode='tensor')
        preds = model(**batch, mode='predict')
    scores = torch.stack([p.pred_score for p in preds])
    assert torch.allclose(scores, torch.sigmoid(logits))
    # logits are exp(logit_scale) * cosine similarities
    assert logits.abs().max() <= model.head.logit_scale.exp() + 1e-4


def test_dualcoop_score_is_two_way_softmax(make_classifier, make_batch, head_cfgs):
    model = _build(make_classifier, head_cfgs, 'DualCoOpHead')
    head = model.head
    model.eval()
    batch = make_batch(model)
    with torch.no_grad():
        _, local = model.extract_feat(batch['inputs'])
        text = F.normalize(head.prompt_features(), dim=-1)  # [2C, D]
        sims = head.logit_scale.exp() * F.normalize(local, dim=-1) @ text.t()  # [B, N, 2C]
        pos, neg = sims[..., :5], sims[..., 5:]
        # plain loop oracle of the class-specific aggregation
        p = torch.zeros(pos.shape[0], 5)
        n = torch.zeros_like(p)
        for k in range(pos.shape[0]):
            for i in range(5):
                a = torch.softmax(pos[k, :, i], dim=0)
                p[k, i], n[k, i] = (a * pos[k, :, i]).sum(), (a * neg[k, :, i]).sum()
        two_way = torch.softmax(torch.stack([p, n], dim=-1), dim=-1)[..., 0]
        preds = model(**batch, mode='predict')
    scores = torch.stack([s.pred_score for s in preds])
    assert torch.allclose(scores, two_way, atol=1e-5)


def test_dualcoop_needs_local_tokens(make_classifier, make_batch, head_cfgs):
    model = make_classifier(copy.deepcopy(head_cfgs['DualCoOpHead']), return_local=False)
    with pytest.raises(ValueError, match='return_local=True'):
        model(**make_batch(model), mode='loss')


@pytest.mark.parametrize('templates', ['single', 'ensemble7', ['a {}.', 'the {} here.']])
def test_zero_shot_ensemble(make_classifier, make_batch, class_stats, templates):
    from lmpt_mm.models.prompt import resolve_templates
    model = make_classifier(dict(type='ZeroShotCLIPHead', templates=templates))
    assert not any(p.requires_grad for p in model.parameters())
    head = model.head
    names = class_stats['classes']
    feats = [F.normalize(head.text_encoder.encode_texts([t(c) for c in names]), dim=-1)
             for t in resolve_templates(templates)]
    ref = F.normalize(torch.stack(feats).mean(0), dim=-1)
    assert torch.allclose(head.text_features(), ref, atol=1e-6)
    assert 'class_text_features' not in model.state_dict()
    with pytest.raises(RuntimeError, match='tools/test.py'):
        model(**make_batch(model), mode='loss')


def test_missing_classes_error():
    from mmpretrain.registry import MODELS
    with pytest.raises(ValueError, match='classes='):
        MODELS.build(dict(type='CoOpHead', arch='lmpt-tiny-vit', classes=None))


def test_labels_to_targets_matches_per_sample_one_hot():
    from mmpretrain.structures import label_to_onehot

    from lmpt_mm.models.heads.clip_prompt_head import labels_to_targets
    labels = [torch.tensor([0, 3]), torch.tensor([], dtype=torch.long), torch.tensor([4]),
              torch.tensor([1, 2, 4])]
    expected = torch.stack([label_to_onehot(l, 5) for l in labels]).float()
    out = labels_to_targets(labels, 5)
    assert out.dtype == torch.float32 and torch.equal(out, expected)
    with pytest.raises(ValueError, match=r'in \[0, 5\), got \[5\]'):
        labels_to_targets([torch.tensor([0]), torch.tensor([5])], 5)


@pytest.mark.parametrize('text_encoder_cfg', [
    dict(class_chunk_size=2), dict(class_chunk_size=2, group_by_length=True),
    dict(compile=dict(backend='aot_eager'))], ids=['chunks', 'grouped', 'compiled'])
def test_text_encoder_options_from_the_config_keep_loss_and_gradients(
        make_classifier, make_batch, head_cfgs, text_encoder_cfg):
    """``text_encoder_cfg`` as a config sets it (memory bound, grouping, compile):
    the training loss and the prompt gradients are those of the plain encoder."""
    results = []
    for cfg in (None, text_encoder_cfg):
        head = dict(copy.deepcopy(head_cfgs['LMPTHead']), text_encoder_cfg=cfg)
        torch.manual_seed(0)
        model = make_classifier(head)
        model.train()
        losses = model(**make_batch(model), mode='loss')
        sum(losses.values()).backward()
        results.append((sum(losses.values()).detach(), model.head.prompt_learner.ctx.grad))
    (loss, grad), (loss2, grad2) = results
    assert grad is not None and grad.abs().sum() > 0
    torch.testing.assert_close(loss2, loss, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(grad2, grad, rtol=1e-3, atol=1e-5)
