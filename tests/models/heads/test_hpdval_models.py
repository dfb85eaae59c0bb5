"""HP-DVAL's two stages as models: scores, gradients, L_kd, L_sc, checkpoints."""
import pytest
import torch
import torch.nn.functional as F
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

from lmpt_mm.models.clip import CLIP_MEAN_255, CLIP_STD_255
from lmpt_mm.models.classifiers import renormalize
from lmpt_mm.models.heads import dual_view_scores

CLASSES = ['dog', 'cat', 'car', 'tree']
FREQ = dict(class_freq=[8, 9, 5, 6], neg_class_freq=[8, 7, 11, 10])
TINY_CLIP = dict(arch='lmpt-tiny-vit', pretrained=None)
STUDENT = dict(type='VisionTransformer', img_size=32, patch_size=8, out_type='raw',
               arch=dict(embed_dims=64, num_layers=2, num_heads=2,
                         feedforward_channels=128))
STUDENT_MEAN, STUDENT_STD = [127.5] * 3, [127.5] * 3
LOSS = dict(type='DistributionBalancedLoss', variant='db_star', **FREQ)


def stage1_cfg(**head):
    return dict(type='HPDVALClassifier', backbone=STUDENT,
                neck=dict(type='DualViewEmbeddingNeck'),
                head=dict(type='DVALHead', classes=CLASSES, local_topk=4, loss=LOSS,
                          **TINY_CLIP, **head),
                teacher=dict(type='CLIPImageEncoder', **TINY_CLIP),
                data_preprocessor=dict(type='ClsDataPreprocessor', mean=STUDENT_MEAN,
                                       std=STUDENT_STD, to_rgb=True))


def stage2_cfg(**head):
    cfg = stage1_cfg()
    cfg.pop('teacher')
    cfg['freeze_student'] = True
    cfg['head'] = dict(cfg['head'], type='HPTHead', **head)
    return cfg


def build(cfg):
    torch.manual_seed(0)
    model = MODELS.build(cfg)
    model.init_weights()
    return model


def batch(model, num=4, seed=0):
    gen = torch.Generator().manual_seed(seed)
    imgs = [torch.randint(0, 256, (3, 32, 32), generator=gen).float() for _ in range(num)]
    samples = [DataSample().set_gt_label(sorted({k % 4, (3 * k + 1) % 4}))
               for k in range(num)]
    return model.data_preprocessor(dict(inputs=imgs, data_samples=samples), True)


def grads(model):
    return {n for n, p in model.named_parameters() if p.grad is not None}


@pytest.fixture(scope='module')
def stage1():
    return build(stage1_cfg())


def test_stage1_student_gets_gradients_teacher_and_text_none(stage1):
    stage1.zero_grad(set_to_none=True)
    stage1.train()
    losses = stage1(**batch(stage1), mode='loss')
    assert set(losses) == {'loss_cls', 'loss_kd'}
    sum(losses.values()).backward()
    student = {n for n, _ in stage1.named_parameters()
               if n.startswith(('backbone.', 'neck.'))}
    assert student and grads(stage1) == student  # every student param, nothing else
    assert not any(p.requires_grad for p in stage1.teacher.parameters())
    assert not any(p.requires_grad for p in stage1.head.parameters())
    assert not stage1.teacher.training and stage1.backbone.training


def test_renormalize_gives_clip_normalised_pixels():
    pixels = torch.randint(0, 256, (2, 3, 4, 4)).float()
    stat = lambda v: torch.tensor(v).view(-1, 1, 1)  # noqa: E731
    student = (pixels - stat(STUDENT_MEAN)) / stat(STUDENT_STD)
    out = renormalize(student, stat(STUDENT_MEAN), stat(STUDENT_STD),
                      stat(CLIP_MEAN_255), stat(CLIP_STD_255))
    assert torch.allclose(out, (pixels - stat(CLIP_MEAN_255)) / stat(CLIP_STD_255),
                          atol=1e-5)


def test_kd_loss_is_l1_to_teacher_on_clip_normalised_images(stage1):
    data = batch(stage1)
    stage1.train()
    with torch.no_grad():
        losses = stage1(**data, mode='loss')
        f_cls = stage1.extract_feat(data['inputs'])[0]
        stat = lambda v: torch.tensor(v).view(-1, 1, 1)  # noqa: E731
        pixels = data['inputs'] * stat(STUDENT_STD) + stat(STUDENT_MEAN)
        teacher = stage1.teacher((pixels - stat(CLIP_MEAN_255)) / stat(CLIP_STD_255))[0]
    assert torch.allclose(losses['loss_kd'], (teacher - f_cls).abs().mean(), rtol=1e-4)


def test_logits_are_scaled_fused_cosines_and_scores_their_sigmoid(stage1):
    data = batch(stage1)
    stage1.eval()
    with torch.no_grad():
        f_cls, f_local = stage1.extract_feat(data['inputs'])
        logits = stage1.head((f_cls, f_local))
        preds = stage1(**data, mode='predict')
        text = stage1.head.hand_crafted_features()
        g = F.cosine_similarity(f_cls[:, None], text[None], dim=-1)  # [B, C]
        loc = F.cosine_similarity(f_local[:, None], text[None, :, None], dim=-1)  # [B,C,N]
    expected = stage1.head.logit_scale.exp() * dual_view_scores(g, loc, 0.4, 4)
    assert torch.allclose(logits, expected, atol=1e-4)
    assert torch.allclose(torch.stack([p.pred_score for p in preds]), logits.sigmoid(),
                          atol=1e-6)


def test_hand_crafted_prompts_are_the_single_template(stage1):
    assert stage1.head.hand_crafted_prompts() == [f'a photo of a {c}.' for c in CLASSES]


def test_checkpoint_drops_teacher_and_reloads_strictly(stage1):
    state = stage1.state_dict()
    assert state and not any(k.startswith('teacher.') for k in state)
    fresh = build(stage1_cfg())
    result = fresh.load_state_dict(state, strict=True)
    assert not result.missing_keys and not result.unexpected_keys
    for key, value in state.items():
        assert torch.equal(fresh.state_dict()[key], value), key


@pytest.fixture(scope='module')
def stage2():
    return build(stage2_cfg())


def test_stage2_only_prompts_get_gradients(stage2):
    stage2.train()
    assert not stage2.backbone.training and not stage2.neck.training
    assert not any(p.requires_grad for n, p in stage2.named_parameters()
                   if not n.startswith('head.') or '.text_encoder.' in n)
    losses = stage2(**batch(stage2), mode='loss')
    assert set(losses) == {'loss_cls', 'loss_sc'}
    sum(losses.values()).backward()
    assert grads(stage2) == {'head.global_prompt_learner.ctx',
                             'head.local_prompt_learner.ctx'}


def test_logged_total_is_the_sum_of_all_terms(stage2):
    """MMEngine logs the optimised total under 'loss': no term may shadow it."""
    stage2.train()
    with torch.no_grad():
        losses = stage2(**batch(stage2), mode='loss')
    total, log_vars = stage2.parse_losses(losses)
    assert 'loss' not in losses
    assert log_vars['loss'] == pytest.approx(float(losses['loss_cls'] + losses['loss_sc']))
    assert log_vars['loss'] == pytest.approx(total.item())
    assert log_vars['loss'] > log_vars['loss_cls']  # the SC term is counted


def test_stage2_loads_the_stage1_student(stage1, stage2):
    result = stage2.load_state_dict(stage1.state_dict(), strict=False)
    assert set(result.missing_keys) == {'head.global_prompt_learner.ctx',
                                        'head.local_prompt_learner.ctx'}
    assert not result.unexpected_keys
    ref = stage1.state_dict()
    for key, value in stage2.state_dict().items():
        if key.startswith(('backbone.', 'neck.')):
            assert torch.equal(value, ref[key]), key


def test_sc_loss_zero_when_global_prompts_are_the_hand_crafted_ones():
    model = build(stage2_cfg(global_prompt_learner=dict(ctx_init='a photo of a')))
    head = model.head
    assert head.global_prompt_learner.n_ctx == 4
    assert torch.equal(head.global_prompt_learner.tokenized_prompts,
                       head.text_encoder.tokenize(head.hand_crafted_prompts()))
    model.train()
    losses = model(**batch(model), mode='loss')
    assert losses['loss_sc'].item() == pytest.approx(0.0, abs=1e-6)
    p_global, _ = head.prompt_features()
    assert torch.allclose(p_global, head.hand_crafted_features(), atol=1e-5)
    # random contexts are not the hand-crafted prompts
    random_init = build(stage2_cfg())
    random_init.train()
    assert random_init(**batch(random_init), mode='loss')['loss_sc'] > 1e-3


def test_sc_loss_is_mean_l1_to_hand_crafted_features(stage2):
    stage2.train()
    with torch.no_grad():
        losses = stage2(**batch(stage2), mode='loss')
        p_global, _ = stage2.head.prompt_features()
    expected = (p_global - stage2.head.hand_crafted_features()).abs().mean()
    assert torch.allclose(losses['loss_sc'], expected)


def test_ablations_without_local_view_and_without_sc():
    model = build(stage2_cfg(alpha=1.0, sc_weight=0.0))
    assert model.head.local_prompt_learner is None
    model.train()
    losses = model(**batch(model), mode='loss')
    assert set(losses) == {'loss_cls'}
    sum(losses.values()).backward()
    assert grads(model) == {'head.global_prompt_learner.ctx'}
    # the global view alone: logits need no local token
    model.eval()
    with torch.no_grad():
        f_cls = model.extract_feat(batch(model)['inputs'])[0]
        assert model.head((f_cls, )).shape == (4, len(CLASSES))


def test_joint_single_stage_trains_student_and_prompts():
    cfg = stage1_cfg()
    cfg['head'] = dict(cfg['head'], type='HPTHead')
    model = build(cfg)
    model.train()
    losses = model(**batch(model), mode='loss')
    assert set(losses) == {'loss_cls', 'loss_sc', 'loss_kd'}
    sum(losses.values()).backward()
    got = grads(model)
    assert {'head.global_prompt_learner.ctx', 'head.local_prompt_learner.ctx'} <= got
    assert any(n.startswith('backbone.') for n in got)
    assert not any(n.startswith(('teacher.', 'head.text_encoder.')) for n in got)


def test_clip_rn_student_local_view_from_attention_pool():
    cfg = stage1_cfg()
    cfg['backbone'] = dict(type='CLIPImageEncoder', arch='lmpt-tiny-rn', frozen=False,
                           return_local=True)
    cfg['head'] = dict(cfg['head'], arch='lmpt-tiny-rn')
    cfg['teacher'] = dict(type='CLIPImageEncoder', arch='lmpt-tiny-rn')
    model = build(cfg)
    data = batch(model)
    f_cls, f_local = model.extract_feat(data['inputs'])
    assert f_cls.shape == (4, 32) and f_local.dim() == 3 and f_local.shape[-1] == 32
    model.train()
    losses = model(**data, mode='loss')
    assert all(torch.isfinite(v) for v in losses.values())


def test_configuration_errors_are_clear():
    cfg = stage2_cfg()
    cfg['teacher'] = dict(type='CLIPImageEncoder', **TINY_CLIP)
    with pytest.raises(ValueError, match='distils into nothing'):
        MODELS.build(cfg)
    cfg = stage1_cfg()
    cfg['neck'] = dict(type='DualViewEmbeddingNeck', out_channels=16)
    with pytest.raises(ValueError, match='joint-space width 32'):
        MODELS.build(cfg)
    with pytest.raises(ValueError, match='alpha'):
        MODELS.build(stage1_cfg(alpha=1.5))


# ------------------------------------------------------------------------------
# the scale at which the dual-view scores enter DB / DB* (score_scale)
# ------------------------------------------------------------------------------
@pytest.mark.parametrize('scale', ['clip', 1.0, 30.0])
def test_score_scale_multiplies_the_fused_cosines(stage1, scale):
    head_cfg = dict(score_scale=scale)
    model = build(stage1_cfg(**head_cfg))
    model.load_state_dict(stage1.state_dict(), strict=False)
    data = batch(model)
    model.eval()
    with torch.no_grad():
        feats = model.extract_feat(data['inputs'])
        raw = build(stage1_cfg(score_scale=1.0)).head
        raw.load_state_dict(model.head.state_dict(), strict=False)
        cosine = raw(feats)
        logits = model.head(feats)
    tau = {'clip': stage1.head.logit_scale.exp(), 1.0: torch.tensor(1.0),
           30.0: torch.tensor(30.0)}[scale]
    assert torch.allclose(logits, tau * cosine, rtol=1e-5, atol=1e-6)
    assert cosine.abs().max() <= 1.0 + 1e-6  # tau = 1: the paper's cosine-scale s_i


def test_score_scale_rejects_bad_values():
    for bad in (0.0, -1.0, 'raw', 'learned', True):
        with pytest.raises(ValueError, match='score_scale'):
            build(stage1_cfg(score_scale=bad))


def test_db_star_differs_from_db_on_positives_at_the_paper_scale():
    """Hand-computed case: 2 classes with n = (100, 10), both positive with cosine
    score s = 0.3, no re-weighting / NTR / focal, so that the positive terms are
    DB: log(1 + exp(-tau s)) and DB*: log(1 + exp(-w_i tau s)), w = n_i / max n =
    (1, 0.1), with gradients d/ds = -tau w sigmoid(-w tau s).

    tau = 1 (raw cosine, the paper):  DB  -0.425557 for both classes;
                                      DB* -0.425557 (head, w = 1), -0.049250 (tail).
    tau = 100 (CLIP's temperature):   DB  -9.36e-12 for both (saturated: tau s = 30);
                                      DB* -9.36e-12 (head), -0.474259 (tail).
    """
    from lmpt_mm.models.losses import distribution_balanced_loss
    expected = {
        (1.0, 'db'): [-0.425557, -0.425557],
        (1.0, 'db_star'): [-0.425557, -0.049250],
        (100.0, 'db'): [-9.357623e-12, -9.357623e-12],
        (100.0, 'db_star'): [-9.357623e-12, -0.474259],
    }
    for (tau, variant), want in expected.items():
        s = torch.full((1, 2), 0.3, dtype=torch.float64, requires_grad=True)
        loss = distribution_balanced_loss(
            tau * s, torch.ones(1, 2), class_freq=[100, 10], neg_class_freq=[10, 100],
            reweight_func=None, focal=None, logit_reg=None, variant=variant,
            reduction='sum')
        grad, = torch.autograd.grad(loss, s)
        # abs: 1 - sigmoid(30) cancels in float64 (the saturated DB gradient)
        assert grad[0].tolist() == pytest.approx(want, rel=1e-5, abs=1e-13), (tau, variant)
    # the head class (the most frequent, w = 1) is untouched by DB*; at the paper's
    # scale DB* cuts the tail positive's gradient ~9x, at CLIP's scale it revives it.
