"""Recipe parity of the ResNet-50 baselines of HP-DVAL's Table I that the DB-loss family
does not cover: ASL (Ridnik et al., ICCV 2021) and RW (Wu et al., ECCV 2020, Sec. 4).

Each test builds the real config, narrows its ResNet-50 (same depth, stages, frozen
stem, pooling and linear head; a quarter of a channel per original channel group, no
ImageNet weights) so that a step costs milliseconds, runs **one** training step through
the optimiser wrapper and schedulers the config builds, and compares the loss and the
first SGD step with a plain-torch oracle of the published loss (no lmpt_mm or
MMPretrain loss code): the network's logits, the loss below, autograd, gradient-norm
clipping at 35, the warmup's first lr ``0.02 / 3``, SGD's first step
``p - lr (g + wd p)``.

- **ASL** (Ridnik et al., eq. 1-4): ``L+ = (1 - p)^g+ log p`` and
  ``L- = p_m^g- log(1 - p_m)`` with ``p_m = max(p - m, 0)``, ``g+ = 0``, ``g- = 4``,
  ``m = 0.05``, averaged over the ``B x C`` pairs (the LMPT code's ``-loss.mean()``).
  The gradient flows through the focusing factor, as the paper's gradient analysis
  differentiates it.
- **RW** (DB-loss paper, Sec. 4): BCE with element ``(k, i)`` weighted by
  ``sqrt(N / n_i)`` (the DB-loss code's ``ResampleLoss.RW_weight``), averaged over
  ``B x C``.
"""
import math

import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import PARAM_SCHEDULERS
from mmpretrain.registry import MODELS
from torch import nn

from test_configs_build import _mmpretrain_registry  # noqa: F401
from test_recipe_parity import (REPO, RTOL, assert_step, make_batch, sgd_first_step,
                                targets_of)

# The configs' ResNet-50, narrowed: base width 4 (stage outputs 16..128 channels).
NARROW = dict(stem_channels=8, base_channels=4)


def narrow_resnet(cfg: Config) -> nn.Module:
    """The config's model with a narrow ResNet-50 of the same layout and no weights."""
    model_cfg = cfg.model.to_dict()
    backbone = dict(model_cfg['backbone'], init_cfg=None, **NARROW)
    assert backbone['type'] == 'ResNet' and backbone['depth'] == 50
    model_cfg['backbone'] = backbone
    model_cfg['head'] = dict(model_cfg['head'], in_channels=NARROW['base_channels'] * 32)
    torch.manual_seed(0)
    return MODELS.build(model_cfg)


def asl_oracle(z: torch.Tensor, y: torch.Tensor, gamma_pos: float, gamma_neg: float,
               margin: float) -> torch.Tensor:
    p = torch.sigmoid(z)
    p_m = (p - margin).clamp(min=0)
    pos = (1 - p) ** gamma_pos * torch.log(p)
    neg = p_m ** gamma_neg * torch.log(1 - p_m)
    return -(y * pos + (1 - y) * neg).mean()


def rw_oracle(z: torch.Tensor, y: torch.Tensor, class_freq, num_images: int) -> torch.Tensor:
    w = torch.tensor([math.sqrt(num_images / n) for n in class_freq])
    return (w * F.binary_cross_entropy_with_logits(z, y, reduction='none')).mean()


CASES = {
    'configs/resnet50/resnet50_asl_voc-lt.py': 'asl',
    'configs/resnet50/resnet50_rw_voc-lt.py': 'rw',
    'configs/resnet50/resnet50_rw_coco-lt.py': 'rw',
}


@pytest.mark.parametrize('rel', sorted(CASES))
def test_step_equals_published_update(rel):
    cfg = Config.fromfile(str(REPO / rel))
    opt = cfg.optim_wrapper.optimizer
    assert (opt.type, opt.lr, opt.momentum, opt.weight_decay) == ('SGD', 0.02, 0.9, 1e-4)
    assert cfg.optim_wrapper.clip_grad.max_norm == 35
    model = narrow_resnet(cfg)
    num_classes = cfg.num_classes
    batch = make_batch(cfg, num_classes)
    y = targets_of(batch, num_classes)
    params = [p for p in model.parameters() if p.requires_grad]
    p0 = [p.detach().clone() for p in params]

    model.train()
    logits = model(model.data_preprocessor(batch, True)['inputs'], mode='tensor')
    if CASES[rel] == 'asl':
        loss = asl_oracle(logits, y, gamma_pos=0.0, gamma_neg=4.0, margin=0.05)
    else:
        loss = rw_oracle(logits, y, cfg.train_class_freq, cfg.num_train_images)
    grads = torch.autograd.grad(loss, params)
    norm = torch.sqrt(sum((g ** 2).sum() for g in grads))
    coef = min(1.0, 35 / (norm.item() + 1e-6))
    lr0 = opt.lr / 3  # LinearLR(start_factor=1/3) at the first iteration

    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    for sched in cfg.param_scheduler:
        PARAM_SCHEDULERS.build(sched, default_args=dict(optimizer=optim_wrapper,
                                                        epoch_length=36))
    assert optim_wrapper.optimizer.param_groups[0]['lr'] == pytest.approx(lr0)
    data = model.data_preprocessor(batch, True)
    parsed, _ = model.parse_losses(model._run_forward(data, mode='loss'))
    optim_wrapper.update_params(parsed)
    assert parsed.item() == pytest.approx(loss.item(), rel=RTOL)
    # the head and the first trainable convolution (the stem stage is frozen)
    for i in (0, len(params) - 2, len(params) - 1):
        d, p1 = sgd_first_step(p0[i], grads[i] * coef, dict(opt, lr=lr0))
        assert_step(optim_wrapper.optimizer, params[i], p0[i], d, p1, f'{rel}: param {i}')
