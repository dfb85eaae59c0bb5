"""The HP-DVAL code's form as model options (tiny CLIP): what each option computes, what
trains, and the errors. The release parity on the real architecture:
tests/configs/test_parity_hpdval_release.py."""
import pytest
import torch
import torch.nn.functional as F
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

from lmpt_mm.engine import one_cycle_momentum
from lmpt_mm.models.heads import dual_view_scores
from lmpt_mm.models.losses.distribution_balanced_loss import distribution_balanced_loss

CLASSES = ['dog', 'cat', 'car', 'tree']
FREQ = dict(class_freq=[8, 9, 5, 6], neg_class_freq=[8, 7, 11, 10])
TINY_CLIP = dict(arch='lmpt-tiny-vit', pretrained=None)
CODE_HEAD = dict(similarity='dot', view_log_temperature=3.0, normalize_over_classes=True,
                 alpha_weights='local', alpha=0.5, local_topk=4, score_scale=1.0)
LOSS = dict(type='DistributionBalancedLoss', reweight_func='rebalance',
            focal=dict(focal=True, balance_param=2.0, gamma=2, pt_mode='batch_mean'),
            logit_reg=dict(init_bias=0.05, neg_scale=2.0, pos_scale=5.0), **FREQ)


def code_model(stage: int):
    head = dict(type='DVALHead', classes=CLASSES, loss=LOSS, train_text_encoder=True,
                **TINY_CLIP, **CODE_HEAD)
    if stage == 2:
        head.update(type='HPTHead', train_text_encoder=False, sc_prompts='local',
                    global_prompt_learner=dict(n_ctx=4, ctx_init='a photo of a'),
                    local_prompt_learner=dict(n_ctx=4, ctx_init='a photo of a'))
    torch.manual_seed(0)
    return MODELS.build(dict(
        type='HPDVALClassifier', neck=None, teacher=None, freeze_student=stage == 2,
        backbone=dict(type='CLIPImageEncoder', frozen=False, return_local=True, **TINY_CLIP),
        head=head,
        data_preprocessor=dict(type='ClsDataPreprocessor', mean=[0.0] * 3,
                               std=[255.0] * 3, to_rgb=True)))


def batch(num=4):
    gen = torch.Generator().manual_seed(0)
    return dict(inputs=[torch.randint(0, 256, (3, 32, 32), generator=gen, dtype=torch.uint8)
                        for _ in range(num)],
                data_samples=[DataSample().set_gt_label([k % 4, (k + 1) % 4])
                              for k in range(num)])


def test_dual_view_scores_alpha_side_and_class_normalisation():
    g = torch.tensor([[3.0, 4.0]])
    local = torch.tensor([[[1.0, 0.0], [0.0, 2.0]]])  # top-1: [1, 2]
    assert torch.allclose(dual_view_scores(g, local, 0.25, 1),
                          0.25 * g + 0.75 * torch.tensor([[1.0, 2.0]]))
    assert torch.allclose(dual_view_scores(g, local, 0.25, 1, alpha_weights='local'),
                          0.75 * g + 0.25 * torch.tensor([[1.0, 2.0]]))
    normed = dual_view_scores(g, local, 0.25, 1, normalize_over_classes=True)
    expect = 0.25 * g / 5.0 + 0.75 * torch.tensor([[1.0, 2.0]]) / 5 ** 0.5
    assert torch.allclose(normed, expect)
    # alpha 0 on the local side: the global view alone, no local tokens needed
    assert torch.equal(dual_view_scores(g, None, 0.0, 1, alpha_weights='local'), g)
    with pytest.raises(ValueError, match="alpha_weights must be 'global' or 'local'"):
        dual_view_scores(g, local, 0.5, 1, alpha_weights='both')


def test_pos_scale_scales_the_positive_logits():
    z = torch.tensor([[0.3, -0.2], [0.1, 0.4]])
    y = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    kw = dict(class_freq=[3, 5], neg_class_freq=[7, 5], reweight_func=None, focal=None,
              map_param=None)
    scaled = distribution_balanced_loss(z, y, logit_reg=dict(neg_scale=2.0, pos_scale=5.0),
                                        **kw)
    z2 = z * (y * 5.0 + (1 - y) * 2.0)
    w = y + (1 - y) / 2.0
    expect = (w * F.binary_cross_entropy_with_logits(z2, y, reduction='none')).mean()
    assert torch.allclose(scaled, expect)
    with pytest.raises(ValueError, match='logit_reg pos_scale must be > 0'):
        distribution_balanced_loss(z, y, logit_reg=dict(pos_scale=0.0), **kw)


def test_one_cycle_momentum_is_torchs():
    param = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.AdamW([param], lr=1e-3)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=1e-3, total_steps=50,
                                                pct_start=0.1)
    for step in range(50):
        assert opt.param_groups[0]['betas'][0] == pytest.approx(
            one_cycle_momentum(step, 50, 0.1, 0.85, 0.95), abs=1e-12)
        opt.step()
        sched.step()


def test_code_form_stage1_trains_both_towers_and_scores_as_the_code():
    model = code_model(1)
    data = model.data_preprocessor(batch(), True)
    losses = model._run_forward(data, mode='loss')
    assert set(losses) == {'loss_cls'}  # no L_kd, no teacher
    losses['loss_cls'].backward()
    named = dict(model.named_parameters())
    assert named['backbone.visual.proj'].grad is not None
    assert named['head.text_encoder.text_projection'].grad is not None
    assert not named['head.text_encoder.token_embedding.weight'].requires_grad
    assert not named['head.global_log_temperature'].requires_grad  # frozen in stage 1
    # the score: raw products, exp(3) per view, normalised over the classes, alpha local
    head = model.head
    with torch.no_grad():
        g, local = model.extract_feat(data['inputs'])
        text = head.hand_crafted_features()
        gl = F.normalize(torch.exp(torch.tensor(3.0)) * g @ text.t(), dim=-1)
        lo = (torch.exp(torch.tensor(3.0)) * local @ text.t()).topk(4, dim=1).values.mean(1)
        expect = 0.5 * F.normalize(lo, dim=-1) + 0.5 * gl
        assert torch.allclose(head(model.extract_feat(data['inputs'])), expect, atol=1e-6)


def test_code_form_stage2_puts_l_sc_on_the_local_prompts():
    model = code_model(2)
    with torch.no_grad():
        model.head.local_prompt_learner.ctx.add_(0.05)
    data = model.data_preprocessor(batch(), True)
    losses = model._run_forward(data, mode='loss')
    p_global, p_local = model.head.prompt_features()
    assert torch.allclose(losses['loss_sc'],
                          F.l1_loss(p_local, model.head.hand_crafted_features()))
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    assert trainable == {'head.global_prompt_learner.ctx', 'head.local_prompt_learner.ctx',
                         'head.global_log_temperature', 'head.local_log_temperature'}
    with pytest.raises(ValueError, match="sc_prompts must be 'global' or 'local'"):
        MODELS.build(dict(type='HPTHead', classes=CLASSES, sc_prompts='both', **TINY_CLIP))
