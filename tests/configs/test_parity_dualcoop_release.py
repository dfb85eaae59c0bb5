"""DualCoOp as released: the default RN50 configs against oracles transcribed from the
DualCoOp release (Sun, Hu and Saenko, NeurIPS 2022; sunxm2357/DualCoOp, commit 49e71d7).

The oracles below are the release's maths written out in plain torch (no lmpt_mm
model, prompt, loss or optimiser code; open_clip's RN50 layers and CoOp's prompt
assembly / text encoder from ``test_recipe_parity``):

- **region features** (``clip/model.py``, ``AttentionConv.forward``): the attention
  pool's sequence ``[mean of the map, its H*W positions] + pos`` through the pool's value
  and output projections, all ``1 + H*W`` rows (50 at 224px); at another size the
  positional embedding's 7x7 rows resized bicubically;
- **logits** (``models/dualcoop.py``, ``DualCoop.forward``): cosine of each region with
  each prompt's text feature, ``20 * cos``, a softmax over the regions of the positive
  prompts' ``20 * cos`` weighting both prompts' ``20 * cos``, summed and times 5; the
  class logit pair ``(n, p)``;
- **loss** (``utils/asymmetric_loss.py``, ``AsymmetricLoss``, called with gamma_neg 2,
  gamma_pos 1 and multiplied by ``loss_w`` in ``utils/trainers.py``): the 2-way softmax
  of ``(n, p)``, the negative probability shifted by 0.05 and capped at 1, logs of
  arguments clamped at 1e-6, the focusing weight computed with autograd off, summed;
- **step** (``train.py`` building ``torch.optim.SGD`` with Dassl's defaults, Dassl's
  ``ConstantWarmupScheduler`` over ``CosineAnnealingLR``): the first step runs at the
  warm-up lr 1e-5, ``p1 = p0 - 1e-5 * (g + 5e-4 * p0)``; epoch ``e >= 1`` at
  ``lr * (1 + cos(pi * (e - 1) / 50)) / 2``.

One set of random RN50 weights (open_clip's ``RN50``, ``pretrained=None``) with
OpenAI's logit scale (``exp = 100``: the release's fixed 20 and 5 equal our
``spatial_scale * exp(logit_scale)`` and ``exp(logit_scale)`` only then, as with
OpenAI's checkpoints). Tolerance 1e-4 relative. Each oracle is also shown to reject a
changed formula (49 regions, a differentiated focal weight, the mean reduction, no
warm-up). The oracles were checked against the release's own modules, run on CPU on the
same weights (recipe card, configs/dualcoop/README.md).
"""
import math
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import PARAM_SCHEDULERS
from mmpretrain.registry import MODELS
from torch import nn

from lmpt_mm.engine.feature_cache import FEATS_KEY, LOCAL_FEATS_KEY

from test_configs_build import _mmpretrain_registry  # noqa: F401
from test_recipe_parity import coop_prompts, make_batch, targets_of, text_features

REPO = Path(__file__).resolve().parents[2]
RTOL = 1e-4
VOC = 'configs/dualcoop/dualcoop_rn50_voc-lt.py'
COCO = 'configs/dualcoop/dualcoop_rn50_coco-lt.py'
BATCH = 2
NUM_CLASSES = 1
pytestmark = pytest.mark.slow  # real RN50 architecture (random weights)


def load(rel: str) -> Config:
    return Config.fromfile(str(REPO / rel))


def random_rn50_model(cfg: Config) -> nn.Module:
    """The config's model on random RN50 weights (seed 0) with OpenAI's logit scale and
    activation, for the first :data:`NUM_CLASSES` classes (the maths is per class;
    fewer prompts keep the text tower's cost down)."""
    model_cfg = cfg.model.to_dict()
    # QuickGELU: the OpenAI architecture (load_clip turns it on for OpenAI's RN50.pt)
    model_cfg['backbone'].update(pretrained=None, quick_gelu=True)
    model_cfg['head'].update(pretrained=None, quick_gelu=True,
                             classes=list(cfg.class_names)[:NUM_CLASSES])
    torch.manual_seed(0)
    model = MODELS.build(model_cfg)
    model.head.logit_scale.fill_(math.log(100.0))
    return model


def assert_close(ours: torch.Tensor, oracle: torch.Tensor, what: str) -> None:
    assert ours.shape == oracle.shape, f'{what}: shape {ours.shape} vs {oracle.shape}'
    err = (ours - oracle).abs().max().item()
    scale = oracle.abs().max().item()
    assert scale > 0, f'{what}: the oracle is zero - nothing compared'
    assert err <= RTOL * scale, f'{what}: max |diff| {err:.3g} vs max |oracle| {scale:.3g}'


def differs(ours: torch.Tensor, oracle: torch.Tensor) -> bool:
    """``ours`` is not the oracle to 1e-4 relative (shape or values)."""
    if ours.shape != oracle.shape:
        return True
    return (ours - oracle).abs().max().item() > RTOL * oracle.abs().max().item()


# ------------------------------------------------------------------------------
# the release's maths (oracles)
# ------------------------------------------------------------------------------
def release_region_features(pool: nn.Module, fmap: torch.Tensor) -> torch.Tensor:
    """``[B, D, 1 + H*W]`` from the RN50 map ``fmap`` ``[B, C, H, W]`` (``layer4``'s
    output): the map's mean, then its positions, plus the pool's positional embedding
    (7x7 rows resized bicubically when the map is not 7x7), through ``v_proj`` and
    ``c_proj``."""
    batch, channels, height, width = fmap.shape
    pos = pool.positional_embedding
    if height * width + 1 != pos.shape[0]:
        grid = pos[1:].permute(1, 0).reshape(1, channels, 7, 7)
        grid = F.interpolate(grid, size=(height, width), mode='bicubic')
        pos = torch.cat([pos[:1], grid.reshape(channels, height * width).permute(1, 0)])
    seq = fmap.reshape(batch, channels, height * width).permute(2, 0, 1)  # [HW, B, C]
    seq = torch.cat([seq.mean(dim=0, keepdim=True), seq]) + pos[:, None, :]
    out = F.linear(F.linear(seq, pool.v_proj.weight, pool.v_proj.bias),
                   pool.c_proj.weight, pool.c_proj.bias)  # [1 + HW, B, D]
    return out.permute(1, 2, 0)


def backbone_with_map(backbone: nn.Module, x: torch.Tensor):
    """The backbone's ``(global, regions)`` and the RN50 map its ``layer4`` gave (the
    oracle starts from open_clip's trunk output, so the trunk runs once)."""
    maps = []
    handle = backbone.visual.layer4.register_forward_hook(lambda m, i, o: maps.append(o))
    try:
        with torch.no_grad():
            out = backbone(x)
    finally:
        handle.remove()
    return out, maps[0]


def release_logits(regions: torch.Tensor, text_neg: torch.Tensor,
                   text_pos: torch.Tensor) -> torch.Tensor:
    """``[B, 2, C]`` (negative, positive) from regions ``[B, D, N]`` and text features
    ``[C, D]`` of the negative and the positive prompts."""
    text = torch.cat([text_neg, text_pos])
    text = text / text.norm(dim=-1, keepdim=True)
    regions = regions / regions.norm(dim=1, keepdim=True)
    out = 20 * F.conv1d(regions, text[:, :, None])  # [B, 2C, N]
    num_classes = text_neg.shape[0]
    attn = F.softmax(out[:, num_classes:], dim=-1)  # over regions, positive prompts
    out = 5 * (out * torch.cat([attn, attn], dim=1)).sum(-1)  # [B, 2C]
    return out.reshape(out.shape[0], 2, num_classes)


def release_asl(logits: torch.Tensor, y: torch.Tensor, gamma_neg: float = 2.0,
                gamma_pos: float = 1.0, clip: float = 0.05, eps: float = 1e-6,
                loss_w: float = 1.0, detach: bool = True) -> torch.Tensor:
    """The release's ASL on ``[B, 2, C]`` logits, summed, times ``loss_w``
    (``detach=False``: the changed formula, focal weight differentiated)."""
    prob = F.softmax(logits, dim=1)
    pos, neg = prob[:, 1].reshape(-1), prob[:, 0].reshape(-1)
    y = y.reshape(-1)
    neg = (neg + clip).clamp(max=1)
    loss = y * torch.log(pos.clamp(min=eps)) + (1 - y) * torch.log(neg.clamp(min=eps))
    with torch.set_grad_enabled(not detach):
        weight = torch.pow(1 - (pos * y + neg * (1 - y)),
                           gamma_pos * y + gamma_neg * (1 - y))
    return -loss_w * (loss * weight).sum()


def release_lr(epoch: int, lr: float, warmup_lr: float = 1e-5, epochs: int = 50) -> float:
    """Dassl's constant warm-up (1 epoch) around ``CosineAnnealingLR(T_max=epochs)``,
    stepped after each epoch: the lr epoch ``epoch`` (0-based) runs at."""
    if epoch < 1:
        return warmup_lr
    return lr * (1 + math.cos(math.pi * (epoch - 1) / epochs)) / 2


def release_step(model: nn.Module, cfg: Config, batch: dict, regions: torch.Tensor):
    """(loss, ``[B, 2, C]`` logits, grads of the positive and negative contexts, their
    SGD-updated values) of the release's first training step."""
    head = model.head
    enc = head.text_encoder
    classes = list(cfg.class_names)[:NUM_CLASSES]
    y = targets_of(batch, len(classes))
    pos0 = head.pos_prompt_learner.ctx.detach().clone().requires_grad_(True)
    neg0 = head.neg_prompt_learner.ctx.detach().clone().requires_grad_(True)
    t_pos = text_features(enc, *coop_prompts(enc, classes, pos0))
    t_neg = text_features(enc, *coop_prompts(enc, classes, neg0))
    logits = release_logits(regions, t_neg, t_pos)
    loss = release_asl(logits, y, loss_w=cfg.dualcoop_release_loss_w)
    g_pos, g_neg = torch.autograd.grad(loss, (pos0, neg0))
    lr, wd = release_lr(0, cfg.dualcoop_lr), 5e-4
    new = [p.detach() - lr * (g + wd * p.detach()) for p, g in ((pos0, g_pos), (neg0, g_neg))]
    return loss.detach(), logits.detach(), (g_pos, g_neg), new


# ------------------------------------------------------------------------------
# fixtures: one random RN50 model, one batch, the oracle's step - built once
# ------------------------------------------------------------------------------
def clip_input(model: nn.Module, batch: dict) -> torch.Tensor:
    with torch.no_grad():
        return model.data_preprocessor(batch, True)['inputs']


@pytest.fixture(scope='module')
def voc():
    cfg = load(VOC)
    model = random_rn50_model(cfg)
    batch = make_batch(cfg, NUM_CLASSES, batch_size=BATCH)
    batch['data_samples'][1].set_gt_label([])  # one positive, one negative pair
    batch['inputs'] = [torch.nn.functional.interpolate(
        img[None].float(), size=(224, 224), mode='nearest')[0].to(torch.uint8)
        for img in batch['inputs']]  # RN50's own 7x7 grid
    x = clip_input(model, batch)
    (glob, ours), fmap = backbone_with_map(model.backbone, x)
    with torch.no_grad():
        regions = release_region_features(model.backbone.visual.attnpool, fmap)
    # the same batch as the frozen-encoder features the training step may take instead
    # of the images (the feature cache's path: the head, loss and optimiser are the same)
    batch['features'] = {FEATS_KEY: glob, LOCAL_FEATS_KEY: ours}
    return cfg, model, batch, x, regions, ours


def test_region_features_are_the_release_50(voc):
    *_, regions, ours = voc
    assert regions.shape[-1] == 50  # 1 + 7 x 7
    assert_close(ours, regions.transpose(1, 2), 'region features')
    # the changed formula: the 49 positions alone (the paper form's region set)
    assert differs(ours[:, 1:], regions.transpose(1, 2))


def test_region_features_at_another_size_resize_the_grid(voc):
    """96px: a 3x3 map, the pool's 7x7 positional embedding resized bicubically."""
    _, model, _, x, _, _ = voc
    small = F.interpolate(x, size=(96, 96), mode='bilinear', align_corners=False)
    (_, ours), fmap = backbone_with_map(model.backbone, small)
    pool = model.backbone.visual.attnpool
    with torch.no_grad():
        oracle = release_region_features(pool, fmap)
        assert oracle.shape[-1] == 10
        assert_close(ours, oracle.transpose(1, 2), 'region features at 96px')
        # the changed formula: a nearest-neighbour resize of the grid
        pos = pool.positional_embedding
        saved = pos.detach().clone()
        grid = saved[1:].t().reshape(1, -1, 7, 7)
        near = F.interpolate(grid, size=(3, 3), mode='nearest').reshape(saved.shape[1], 9).t()
        try:
            pos.data = torch.cat([saved[:1], near])
            changed = release_region_features(pool, fmap)
        finally:
            pos.data = saved
        assert differs(changed, oracle)


def test_loss_value_and_gradient_are_the_release_asl():
    """The config's loss module on logits ``z = p - n`` against the release's ASL on the
    pair ``(n, p)``: value and gradient; and the changed formulas it rejects."""
    cfg = load(VOC)
    gen = torch.Generator().manual_seed(0)
    z = (torch.randn(4, 20, generator=gen) * 3).requires_grad_(True)
    y = (torch.rand(4, 20, generator=gen) < 0.3).float()
    loss_module = MODELS.build(cfg.model.head.loss)
    ours = loss_module(z, y)
    g_ours, = torch.autograd.grad(ours, z)

    pair = torch.stack([torch.zeros_like(z), z], dim=1).detach().requires_grad_(True)
    oracle = release_asl(pair, y, loss_w=cfg.dualcoop_release_loss_w)
    g_pair, = torch.autograd.grad(oracle, pair)
    assert_close(ours.detach(), oracle.detach(), 'ASL value')
    # the loss depends on p - n only: dL/dz = dL/dp
    assert_close(g_ours, g_pair[:, 1], 'ASL gradient w.r.t. the logits')

    # changed formulas: the focal weight differentiated (same value, other gradient),
    # the mean over B x C (MMPretrain's default reduction)
    undetached = MODELS.build(dict(cfg.model.head.loss, detach_focal_weight=False))
    g_undetached, = torch.autograd.grad(undetached(z, y), z)
    assert_close(undetached(z, y).detach(), oracle.detach(), 'value, undetached')
    assert differs(g_undetached, g_pair[:, 1])
    pair2 = pair.detach().clone().requires_grad_(True)
    g_oracle_undetached, = torch.autograd.grad(release_asl(pair2, y, detach=False), pair2)
    assert_close(g_undetached, g_oracle_undetached[:, 1], 'undetached gradient')
    mean = MODELS.build(dict(cfg.model.head.loss, reduction='mean'))
    assert differs(mean(z, y).detach(), oracle.detach())


def test_lr_schedule_is_the_release_warmup_then_cosine():
    """The configs' param schedulers over 50 epochs against Dassl's rule; the changed
    formula (no warm-up epoch: cosine from epoch 0) is rejected."""
    for rel, lr in ((VOC, 1e-3), (COCO, 2e-3)):
        cfg = load(rel)
        assert cfg.optim_wrapper.optimizer.lr == cfg.dualcoop_lr == lr
        param = nn.Parameter(torch.zeros(1))
        wrapper = build_optim_wrapper(nn.ParameterList([param]), cfg.optim_wrapper)
        schedulers = [PARAM_SCHEDULERS.build(dict(s, optimizer=wrapper))
                      for s in cfg.param_scheduler]
        ours = []
        for _ in range(cfg.train_cfg.max_epochs):
            ours.append(wrapper.optimizer.param_groups[0]['lr'])
            for scheduler in schedulers:
                scheduler.step()
        oracle = [release_lr(e, lr) for e in range(50)]
        assert_close(torch.tensor(ours, dtype=torch.float64),
                     torch.tensor(oracle, dtype=torch.float64), f'{rel}: lr per epoch')
        no_warmup = [lr * (1 + math.cos(math.pi * e / 50)) / 2 for e in range(50)]
        assert differs(torch.tensor(no_warmup, dtype=torch.float64),
                       torch.tensor(oracle, dtype=torch.float64))


def test_logits_loss_and_first_step_are_the_release(voc):
    cfg, model, batch, _, regions, ours_regions = voc
    head = model.head
    loss, logits, grads, new = release_step(model, cfg, batch, regions)
    model.eval()  # the second call reuses the prompts' text features (eval cache)
    with torch.no_grad():
        ours_logits = head((None, ours_regions))
        # changed formula: the 49-position region set
        forty_nine = head((None, ours_regions[:, 1:]))
    assert_close(ours_logits, logits[:, 1] - logits[:, 0], 'logits p - n')
    assert differs(forty_nine, logits[:, 1] - logits[:, 0])

    wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    # building the schedulers sets epoch 0's lr: the warm-up's 1e-5
    for scheduler_cfg in cfg.param_scheduler:
        PARAM_SCHEDULERS.build(dict(scheduler_cfg, optimizer=wrapper))
    assert wrapper.optimizer.param_groups[0]['lr'] == pytest.approx(1e-5, rel=1e-9)
    params = (head.pos_prompt_learner.ctx, head.neg_prompt_learner.ctx)
    p0 = [p.detach().clone() for p in params]
    model.train()
    with wrapper.optim_context(model):
        data = model.data_preprocessor(dict(inputs=batch['features'],
                                            data_samples=batch['data_samples']), True)
        losses = model._run_forward(data, mode='loss')
    parsed, _ = model.parse_losses(losses)
    wrapper.update_params(parsed)
    assert parsed.item() == pytest.approx(loss.item(), rel=RTOL)
    lr = wrapper.optimizer.param_groups[0]['lr']
    for name, param, before, grad, oracle in zip(('positive', 'negative'), params, p0,
                                                 grads, new):
        assert param.shape == (NUM_CLASSES, 16, 512)  # class-specific
        # what SGD applied (its momentum buffer, g + wd * p0) and where p landed (to
        # float32 rounding of p0 + step: a 1e-5 step is far below p0's resolution)
        direction = wrapper.optimizer.state[param]['momentum_buffer']
        assert_close(direction, grad + 5e-4 * before, f'{name} context step direction')
        ulp = torch.finfo(torch.float32).eps * before.abs().max().item()
        step = (oracle - before).abs().max().item()
        assert step > 10 * ulp, f'{name}: the oracle step is below float32 resolution'
        err = (param.detach() - oracle).abs().max().item()
        assert err <= 2 * ulp + RTOL * step, f'{name}: p1 off by {err:.3g} (step {step:.3g})'
        # changed formula: the first step at the base lr (no warm-up)
        assert lr == pytest.approx(1e-5) and cfg.dualcoop_lr / lr >= 100
