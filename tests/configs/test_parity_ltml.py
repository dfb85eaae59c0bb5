"""Recipe parity of LTML (Guo and Wang, "Long-Tailed Multi-Label Visual Recognition by
Collaborative Training on Uniform and Re-balanced Samplings", CVPR 2021).

- **One step against the paper's objective**: the real config with its ResNet-50 narrowed
  (same layout: trunk of stages 1-3 with stage 1 frozen, two stage-4 branches, pooling,
  linear classifiers; no weights), a batch of ``B`` uniform then ``B`` re-balanced
  images, and an oracle that computes, in plain torch on the network's logits,
  ``Lcls_u(z_u(x^u), y^u) + Lcls_r(z_r(x^r), y^r) + lambda [mse(z_u(x^u), z_r(x^u)) +
  mse(z_r(x^r), z_u(x^r))]`` (Eq. 1; means over ``B x C``), where each branch's
  ``Lcls`` is Eq. 2, the sigmoid cross entropy with that branch's learnable logit
  compensation (set away from the identity here), then autograd, clipping at norm 35,
  the warmup's first lr ``0.02 / 3`` and SGD's first step on the trunk, both branches,
  both classifiers and both compensations (no weight decay on those).
- **Test-time combination**: ``pred_score`` = the mean of the branches' sigmoids.
- **Sampling**: every loader batch is ``B`` images of the epoch's shuffle, then ``B``
  class-aware draws (classes about equally frequent there, not in the shuffle).
- **Branch weights**: the checkpoint's last-stage entries load into both branches.
"""
from collections import Counter

import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import PARAM_SCHEDULERS
from mmpretrain.registry import MODELS

from lmpt_mm.datasets.samplers import UniformClassAwarePairSampler
from test_configs_build import _mmpretrain_registry  # noqa: F401
from test_recipe_parity import REPO, RTOL, assert_step, make_batch, sgd_first_step, targets_of

NARROW = dict(stem_channels=8, base_channels=4)  # ResNet-50 layout, stage 4 -> 128 channels
REL = 'configs/ltml/ltml_resnet50_voc-lt.py'
B = 4


def narrow_ltml(cfg: Config):
    model_cfg = cfg.model.to_dict()
    model_cfg['backbone'] = dict(model_cfg['backbone'], init_cfg=None, **NARROW)
    head = model_cfg['head']
    model_cfg['head'] = dict(head, branch_checkpoint=None, in_channels=128,
                             branch_backbone=dict(head['branch_backbone'], **NARROW))
    torch.manual_seed(0)
    return MODELS.build(model_cfg)


@pytest.fixture(scope='module')
def ltml():
    cfg = Config.fromfile(str(REPO / REL))
    return cfg, narrow_ltml(cfg), make_batch(cfg, cfg.num_classes, batch_size=2 * B)


def randomise_compensation(model) -> dict:
    """Each branch's (sigma_p, mu_p, sigma_n, mu_n), set to random values."""
    g = torch.Generator().manual_seed(5)
    out = {}
    for branch, loss in (('u', model.head.loss_module), ('r', model.head.loss_module_r)):
        with torch.no_grad():
            for name in ('sigma_pos', 'sigma_neg'):
                getattr(loss, name).copy_(0.5 + torch.rand(loss.sigma_pos.shape, generator=g))
            for name in ('mu_pos', 'mu_neg'):
                getattr(loss, name).copy_(torch.randn(loss.mu_pos.shape, generator=g))
        out[branch] = (loss.sigma_pos, loss.mu_pos, loss.sigma_neg, loss.mu_neg)
    return out


def eq2(u, y, sigma_p, mu_p, sigma_n, mu_n):
    """Guo and Wang (2021), Eq. 2 with omega_k = 1, averaged over the batch."""
    return -(y * torch.log(torch.sigmoid(u * sigma_p + mu_p))
             + (1 - y) * torch.log(1 - torch.sigmoid(u * sigma_n + mu_n))).mean()


def oracle_logits(model, data):
    """``(z_u, z_r)`` ``[2B, C]`` from the network's modules, pooled and classified here."""
    x = model.backbone(data['inputs'])[-1]
    head = model.head
    z_u = F.linear(head.branch_u(x).mean(dim=(2, 3)), head.fc_u.weight, head.fc_u.bias)
    z_r = F.linear(head.branch_r(x).mean(dim=(2, 3)), head.fc_r.weight, head.fc_r.bias)
    return z_u, z_r


def test_step_equals_paper_update(ltml):
    cfg, model, batch = ltml
    opt = cfg.optim_wrapper.optimizer
    assert (opt.type, opt.lr, opt.momentum, opt.weight_decay) == ('SGD', 0.02, 0.9, 1e-4)
    assert cfg.train_dataloader.batch_size == 2 * cfg.train_dataloader.sampler.batch_size
    assert cfg.model.head.loss == dict(type='LogitCompensatedBCELoss',
                                       num_classes=cfg.num_classes)
    lam = cfg.model.head.consistency_weight
    y = targets_of(batch, cfg.num_classes)
    comp = randomise_compensation(model)
    params = [p for p in model.parameters() if p.requires_grad]
    p0 = [p.detach().clone() for p in params]

    model.train()
    z_u, z_r = oracle_logits(model, model.data_preprocessor(batch, True))
    loss = (eq2(z_u[:B], y[:B], *comp['u']) + eq2(z_r[B:], y[B:], *comp['r'])
            + lam * (((z_u[:B] - z_r[:B]) ** 2).mean() + ((z_r[B:] - z_u[B:]) ** 2).mean()))
    grads = torch.autograd.grad(loss, params)
    norm = torch.sqrt(sum((g ** 2).sum() for g in grads))
    coef = min(1.0, 35 / (norm.item() + 1e-6))
    lr0 = opt.lr / 3

    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    for sched in cfg.param_scheduler:
        PARAM_SCHEDULERS.build(sched, default_args=dict(optimizer=optim_wrapper,
                                                        epoch_length=36))
    assert optim_wrapper.optimizer.param_groups[0]['lr'] == pytest.approx(lr0)
    data = model.data_preprocessor(batch, True)
    parsed, _ = model.parse_losses(model._run_forward(data, mode='loss'))
    optim_wrapper.update_params(parsed)
    assert parsed.item() == pytest.approx(loss.item(), rel=RTOL)
    names = [n for n, p in model.named_parameters() if p.requires_grad]
    checked = {0}  # the first trainable trunk convolution (stage 1 is frozen)
    for prefix in ('head.branch_u.', 'head.branch_r.', 'head.fc_u.', 'head.fc_r.',
                   'head.loss_module.sigma_pos', 'head.loss_module_r.mu_neg'):
        checked.add(next(i for i, n in enumerate(names) if n.startswith(prefix)))
    assert names[0].startswith('backbone.layer2')
    for i in sorted(checked):
        decay = 0.0 if '.loss_module' in names[i] else opt.weight_decay
        d, p1 = sgd_first_step(p0[i], grads[i] * coef, dict(opt, lr=lr0, weight_decay=decay))
        assert_step(optim_wrapper.optimizer, params[i], p0[i], d, p1, names[i])


def test_prediction_averages_the_branch_probabilities(ltml):
    _, model, batch = ltml
    model.eval()
    with torch.no_grad():
        data = model.data_preprocessor(batch, False)
        z_u, z_r = oracle_logits(model, data)
        scores = torch.stack([s.pred_score for s in model(**data, mode='predict')])
    torch.testing.assert_close(scores, (torch.sigmoid(z_u) + torch.sigmoid(z_r)) / 2,
                               rtol=1e-5, atol=1e-6)


class _LongTailed:
    """20 images: class 0 on all, class 1 on the first 10, class 2 on the first two."""
    metainfo = dict(classes=['a', 'b', 'c'])

    def __len__(self):
        return 20

    def get_cat_ids(self, idx):
        return [0] + ([1] if idx < 10 else []) + ([2] if idx < 2 else [])


def test_sampler_batches_are_uniform_then_class_aware():
    data = _LongTailed()
    sampler = UniformClassAwarePairSampler(data, batch_size=3, seed=0)
    sampler.set_epoch(1)
    order = list(sampler)
    assert len(order) == len(sampler) == 2 * 3 * 7  # ceil(20 / 3) batches of 3 + 3
    batches = [order[k:k + 6] for k in range(0, len(order), 6)]
    uniform = [i for b in batches for i in b[:3]]
    assert sorted(uniform[:20]) == list(range(20))  # one shuffle, then wrap-around
    # class-aware halves: images 0-1 (the only ones of class 2) come up with probability
    # 1/3 + 1/3 * 2/10 + 1/3 * 2/20 = 0.43 (0.1 under uniform sampling)
    counts = Counter()
    for epoch in range(40):
        sampler.set_epoch(epoch)
        seq = list(sampler)
        counts.update(i for k in range(0, len(seq), 6) for i in seq[k + 3:k + 6])
    share = (counts[0] + counts[1]) / sum(counts.values())
    assert 0.38 < share < 0.48
    with pytest.raises(ValueError, match='batch_size must be >= 1'):
        UniformClassAwarePairSampler(data, batch_size=0, seed=0)


def test_branches_load_the_last_stage_of_a_checkpoint(tmp_path):
    full = MODELS.build(dict(type='ResNet_CIFAR', depth=18, stem_channels=8,
                             base_channels=8))
    path = tmp_path / 'resnet.pth'
    torch.save({f'{k}': v for k, v in full.state_dict().items()}, path)
    head = MODELS.build(dict(type='LTMLHead', num_classes=3, in_channels=64,
                             branch_backbone=dict(type='ResNet_CIFAR', depth=18,
                                                  stem_channels=8, base_channels=8),
                             branch_checkpoint=str(path)))
    head.init_weights()
    for branch in (head.branch_u, head.branch_r):
        for k, v in branch.state_dict().items():
            torch.testing.assert_close(v, full.state_dict()[f'layer4.{k}'])
    with pytest.raises(ValueError, match='odd batch of 3'):
        head.loss((torch.zeros(3, 32, 4, 4), ), [None] * 3)
