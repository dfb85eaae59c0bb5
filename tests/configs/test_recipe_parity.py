"""Recipe parity: one optimiser step of each real config equals the published update
(zero-shot CLIP: its predictions equal CLIP's).

Each test builds a real config with the tiny CLIP (the arch override of
``test_configs_build.tiny_model_cfg``), gives its head the real train statistics the
config carries, runs **one** ``model.train_step`` through the optimiser wrapper the
config builds (as the Runner does), and compares the first loss value and the updated
trainable parameters with an oracle written below in plain torch from the published
code's maths - no lmpt_mm loss, prompt or optimiser code:

- **LMPT / CoOp** (``lmpt/train.py``, ``lmpt/dbl.py``, ``lmpt/coop_model.py`` of the LMPT
  repository): CoOp's prompt assembly and text encoder, logits
  ``exp(logit_scale) * cos``, ``ResampleLoss`` whose BCE helper reduces to the batch
  mean (so the focal factor uses one ``p_t`` per batch), SGD (momentum 0.9, weight
  decay 1e-4) whose first step is ``p - lr * (g + wd * p)``. The code's CSE term
  (``lmpt/csel.py``) can not run (its shapes crash, its margins come from a softmax of
  the counts and its hinge is inverted), so the oracle uses the paper's hinge with the
  real counts, on the code's token-embedding distance (``m_ctx`` shift) and reduced
  with the code's ``.mean()`` over the ``B x C`` pairs - our documented fixes.
- **LMPT, paper form** (``*_paper.py``): the DB-loss paper's element-wise focal factor,
  mean over ``B x C``; the CSE loss as the LMPT paper writes it,
  ``(1/B) sum_k sum_i w_i l_ki`` on CLIP text features.
- **HP-DVAL stages 1 and 2** (paper, Huang et al.): fused score
  ``alpha cos(P_G, f_cls) + (1 - alpha) topk-mean_j cos(P_L, f_j)`` entering DB* at the
  raw cosine scale, ``L_kd = mean |f_CLIP - f_cls|`` (stage 1),
  ``L_sc = mean |P_H - P_G|`` (stage 2), AdamW's first step
  ``p (1 - lr wd) - lr g / (|g| + eps)``, for the paper-form configs (``*_paper.py``);
  the default, code-form HP-DVAL configs: tests/configs/test_parity_hpdval_release.py.
- **ResNet-50 ERM / DB-Focal** (DB-loss paper): BCE / DB-Focal as a mean over
  ``B x C``, the warmup's first lr ``0.02 / 3``, gradient-norm clipping at 35, SGD.

- **DualCoOp, paper form** (``*_paper.py`` and the ViT-B/16 extension; Sun et al.
  2022; the default RN50 configs follow the release: tests/configs/
  test_parity_dualcoop_release.py): positive and negative CoOp prompts per class, region
  logits ``exp(logit_scale) * cos`` on the ViT's projected patch tokens (open_clip's
  own tower), spatial softmax of the positive region logits (``spatial_scale``)
  aggregating both, the 2-way softmax of ``(p, n)``, ASL (Ridnik et al.) written from
  its formula and reduced as MMPretrain's ``AsymmetricLoss`` reduces without an
  ``avg_factor`` (mean over ``B x C``), SGD's first step on both contexts.
- **Zero-shot CLIP** (CLIP paper; no training): the config's predictions equal
  ``exp(logit_scale) * cos`` and its sigmoid from open_clip's ``encode_image`` /
  ``encode_text`` on the model's weights, with CLIP's preprocessing, the prompt
  ``"a photo of a {class}."`` or CLIP's 80-template ensemble (normalised features
  averaged, then renormalised).

Tolerance: 1e-5 relative on the loss and on the step the optimiser applied (its state:
SGD's momentum buffer, AdamW's first moment); the parameters themselves are checked
to float32 rounding of ``p0 + step`` (a 5e-4 SGD step is ~1e-4 of the contexts'
magnitude, so ``p1 - p0`` carries only ~1e-4 relative precision in float32).
"""
import math
from pathlib import Path
from typing import Dict, List, Optional

import open_clip
import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample
from torch import nn

from test_configs_build import _mmpretrain_registry, tiny_model_cfg  # noqa: F401

REPO = Path(__file__).resolve().parents[2]
RTOL = 1e-5
# HP-DVAL's student is an ImageNet ViT-B/16; the tiny one of tests/models/heads.
TINY_STUDENT = dict(type='VisionTransformer', img_size=32, patch_size=8, out_type='raw',
                    arch=dict(embed_dims=64, num_layers=2, num_heads=2,
                              feedforward_channels=128))


# ------------------------------------------------------------------------------
# building and stepping the real config
# ------------------------------------------------------------------------------
def load(rel: str) -> Config:
    return Config.fromfile(str(REPO / rel))


def build_tiny(cfg: Config) -> nn.Module:
    model_cfg = tiny_model_cfg(cfg.model.to_dict())
    if model_cfg['backbone']['type'] == 'VisionTransformer':
        model_cfg['backbone'] = dict(TINY_STUDENT)
    torch.manual_seed(0)
    model = MODELS.build(model_cfg)
    if hasattr(model.head, 'set_class_stats'):  # (ResNet heads: counts in the config)
        model.head.set_class_stats(list(cfg.train_class_freq),
                                   list(cfg.train_neg_class_freq))
    return model


def make_batch(cfg: Config, num_classes: int, seed: int = 0,
               batch_size: Optional[int] = None) -> dict:
    """The config's batch size (or ``batch_size``) of 32px images; every image has 1-3
    labels and a caption naming them."""
    gen = torch.Generator().manual_seed(seed)
    classes = list(cfg.class_names)
    imgs, samples = [], []
    for _ in range(batch_size or cfg.train_dataloader.batch_size):
        imgs.append(torch.randint(0, 256, (3, 32, 32), generator=gen, dtype=torch.uint8))
        count = int(torch.randint(1, 4, (1, ), generator=gen))
        labels = sorted(set(torch.randint(0, num_classes, (count, ),
                                          generator=gen).tolist()))
        caption = 'a photo of a ' + ' and a '.join(classes[i].replace('_', ' ')
                                                   for i in labels)
        samples.append(DataSample(metainfo=dict(caption=caption)).set_gt_label(labels))
    return dict(inputs=imgs, data_samples=samples)


def one_step(model: nn.Module, cfg: Config, batch: dict):
    """One training step as the Runner runs it: ``(loss it optimised, optimizer)``."""
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    model.train()
    # BaseModel.train_step's body, keeping the summed loss it optimises
    with optim_wrapper.optim_context(model):
        data = model.data_preprocessor(batch, True)
        losses = model._run_forward(data, mode='loss')
    parsed, _ = model.parse_losses(losses)
    optim_wrapper.update_params(parsed)
    return float(parsed.detach()), optim_wrapper.optimizer


def step_direction(optimizer, param: torch.Tensor) -> torch.Tensor:
    """What the optimiser's first step applied, read from its state: SGD's momentum
    buffer (``g + wd * p``; the step is ``-lr`` times it), AdamW's bias-corrected first
    moment (``g``)."""
    state = optimizer.state[param]
    if 'momentum_buffer' in state:
        return state['momentum_buffer']
    beta1 = optimizer.param_groups[0]['betas'][0]
    return state['exp_avg'] / (1 - beta1)


def assert_step(optimizer, param, p0, direction, p1_oracle, what: str) -> None:
    """The optimiser's step direction equals the oracle's to 1e-5 relative, and the
    parameter moved to the oracle's ``p1`` up to float32 rounding of ``p0 + step``
    (the step is ~1e-4 of ``|p0|``, below float32's 1e-5 relative resolution of
    ``p1 - p0``)."""
    assert_close(step_direction(optimizer, param), direction, f'{what}: step direction')
    ulp = torch.finfo(torch.float32).eps * p0.abs().max().item()
    step = (p1_oracle - p0).abs().max().item()
    assert step > 10 * ulp, f'{what}: the oracle step is below float32 resolution'
    err = (param.detach() - p1_oracle).abs().max().item()
    assert err <= 2 * ulp + RTOL * step, f'{what}: p1 off by {err:.3g} (step {step:.3g})'


def targets_of(batch: dict, num_classes: int) -> torch.Tensor:
    y = torch.zeros(len(batch['data_samples']), num_classes)
    for k, sample in enumerate(batch['data_samples']):
        y[k, sample.gt_label] = 1.0
    return y


def assert_close(ours: torch.Tensor, oracle: torch.Tensor, what: str) -> None:
    err = (ours - oracle).abs().max().item()
    scale = oracle.abs().max().item()
    assert scale > 0, f'{what}: the oracle is zero - nothing compared'
    assert err <= RTOL * scale, f'{what}: max |diff| {err:.3g} vs max |oracle| {scale:.3g}'


# ------------------------------------------------------------------------------
# the oracle: published maths in plain torch
# ------------------------------------------------------------------------------
def coop_prompts(enc, classes: List[str], ctx: torch.Tensor):
    """CoOp's prompt embeddings ``[SOS] ctx name . [EOS]`` and their token ids."""
    n_ctx = ctx.shape[-2]
    texts = [' '.join(['X'] * n_ctx) + ' ' + c.replace('_', ' ') + '.' for c in classes]
    tokens = enc.tokenize(texts)
    with torch.no_grad():
        emb = enc.token_embedding(tokens)
    if ctx.dim() == 2:
        ctx = ctx.unsqueeze(0).expand(len(classes), -1, -1)
    return torch.cat([emb[:, :1], ctx, emb[:, 1 + n_ctx:]], dim=1), tokens


def text_features(enc, embeds: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
    """CoOp's TextEncoder: positional embedding, CLIP's causal transformer over the
    whole context, final LayerNorm, the end-of-text row (highest id), projection."""
    x = embeds + enc.positional_embedding
    x = enc.transformer(x, attn_mask=enc.attn_mask)
    x = enc.ln_final(x)
    x = x[torch.arange(x.shape[0]), tokens.argmax(dim=-1)]
    proj = enc.text_projection
    return proj(x) if isinstance(proj, nn.Linear) else x @ proj


def resample_loss(z, y, pos, neg, db: dict, pt_mode: str, pos_scale=None):
    """The DB loss as ``lmpt/dbl.py`` (``pt_mode='batch'``) or the DB-loss paper
    (``'element'``) computes it; ``pos_scale`` = DB*'s ``n_i / max n`` (HP-DVAL)."""
    m, reg, focal = db['map_param'], db['logit_reg'], db['focal']
    freq_inv = 1.0 / pos
    repeat = (y * freq_inv).sum(1, keepdim=True)
    w = torch.sigmoid(m['beta'] * (freq_inv / repeat - m['gamma'])) + m['alpha']
    lam = reg['neg_scale']
    z = z + (-torch.log((pos + neg) / pos - 1.0) * reg['init_bias'] / lam)
    z = z * (1 - y) * lam + z * y * (1.0 if pos_scale is None else pos_scale)
    w = w / lam * (1 - y) + w * y
    bce = F.binary_cross_entropy_with_logits(z, y, reduction='none')
    if pt_mode == 'batch':
        pt = torch.exp(-bce.mean())
        return focal['balance_param'] * (1 - pt) ** focal['gamma'] * (w * bce).mean()
    pt = torch.exp(-bce)
    return (focal['balance_param'] * (1 - pt) ** focal['gamma'] * w * bce).mean()


def cse_pairs(d, y, pos, margin, gamma):
    """The paper's hinge with the real counts: present ``d``, absent
    ``max(0, M_i - d)``, ``M_i = margin / n_i^(1/4)``, times ``w_i`` (sum 1)."""
    w = (1.0 / pos) ** gamma
    w = w / w.sum()
    return (y * d + (1 - y) * torch.relu(margin / pos ** 0.25 - d)) * w


def sgd_first_step(p0, g, opt: dict):
    """torch SGD's first step: ``(direction, p1)``, the momentum buffer starting as
    ``d = g + wd * p`` and ``p1 = p - lr * d``."""
    d = g + opt.get('weight_decay', 0.0) * p0
    return d, p0 - opt['lr'] * d


def adamw_first_step(p0, g, opt: dict):
    """AdamW's first step: ``(g, p1)``, bias-corrected ``m / sqrt(v) = g / |g|``,
    decoupled decay ``p (1 - lr wd)``."""
    eps = opt.get('eps', 1e-8)
    return g, p0 * (1 - opt['lr'] * opt.get('weight_decay', 1e-2)) - opt['lr'] * g / (
        g.abs() + eps)


def lmpt_oracle(model, cfg: Config, batch: dict, ctx0: torch.Tensor, form: str,
                with_cse: bool):
    """(loss, step direction, updated ctx) of the published LMPT / CoOp step (``form`` 'code' or
    'paper')."""
    head = model.head
    enc = head.text_encoder
    classes = list(cfg.class_names)
    pos = torch.tensor(cfg.train_class_freq, dtype=torch.float32)
    neg = torch.tensor(cfg.train_neg_class_freq, dtype=torch.float32)
    y = targets_of(batch, len(classes))
    with torch.no_grad():
        inputs = model.data_preprocessor(batch, True)['inputs']
        img = model.extract_feat(inputs)[0]
    ctx = ctx0.clone().requires_grad_(True)
    embeds, tokens = coop_prompts(enc, classes, ctx)
    text = text_features(enc, embeds, tokens)
    logits = head.logit_scale.exp() * F.normalize(img, dim=-1) @ F.normalize(text, dim=-1).t()
    db = cfg.db_loss
    loss = resample_loss(logits, y, pos, neg, db, 'batch' if form == 'code' else 'element')
    if with_cse:
        hp = cfg.model.head
        lam, margin, gamma = hp.lam, hp.cse_loss.margin, hp.cse_loss.gamma
        captions = [s.caption for s in batch['data_samples']]
        if form == 'code':
            # lmpt/train.py: caption token embeddings [:, :L - m] against prompt
            # embeddings [:, m:], 1 - cosine per position; mean over positions (fix)
            m_ctx = hp.cse_loss.m_ctx
            with torch.no_grad():
                cap = enc.token_embedding(enc.tokenize(captions))  # [B, L, W]
            length = cap.shape[1] - m_ctx
            d = 1 - F.cosine_similarity(cap[:, None, :length], embeds[None, :, m_ctx:],
                                        dim=-1).mean(-1)  # [B, C]
            cse = cse_pairs(d, y, pos, margin, gamma).mean()  # the code's .mean()
        else:
            with torch.no_grad():
                cap = text_features(enc, enc.token_embedding(enc.tokenize(captions)),
                                    enc.tokenize(captions))
            d = 1 - F.normalize(cap, dim=-1) @ F.normalize(text, dim=-1).t()
            cse = cse_pairs(d, y, pos, margin, gamma).sum() / len(captions)
        loss = lam * loss + (1 - lam) * cse
    grad, = torch.autograd.grad(loss, ctx)
    return (loss.detach(), *sgd_first_step(ctx0, grad, cfg.optim_wrapper.optimizer))


# OpenAI CLIP's input normalisation (CLIP's preprocessing), in 0-255 units.
CLIP_MEAN = 255 * torch.tensor([0.48145466, 0.4578275, 0.40821073])
CLIP_STD = 255 * torch.tensor([0.26862954, 0.26130258, 0.27577711])


def clip_inputs(batch: dict) -> torch.Tensor:
    """CLIP's preprocessing of the batch's BGR uint8 images (32px, the tiny CLIP's
    size: no resize): RGB, ``(x - mean) / std``."""
    x = torch.stack(batch['inputs']).float().flip(1)  # BGR -> RGB
    return (x - CLIP_MEAN[:, None, None]) / CLIP_STD[:, None, None]


def open_clip_twin(model: nn.Module) -> nn.Module:
    """open_clip's own ``CLIP`` of the model's (tiny) architecture holding the model's
    frozen weights - image tower, text tower, logit scale - loaded strictly, so the
    oracle runs open_clip's ``encode_image`` / ``encode_text`` / ``visual`` forwards,
    not lmpt_mm's."""
    clip = open_clip.create_model(model.backbone.arch, pretrained=None)
    enc = model.head.text_encoder
    state = {f'visual.{k}': v for k, v in model.backbone.visual.state_dict().items()}
    for name in ('transformer', 'token_embedding', 'ln_final'):
        state.update({f'{name}.{k}': v for k, v in getattr(enc, name).state_dict().items()})
    state.update(positional_embedding=enc.positional_embedding,
                 text_projection=enc.text_projection, logit_scale=model.head.logit_scale)
    clip.load_state_dict(state, strict=True)
    return clip.eval()


def vit_patch_features(clip: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """The region features ``[B, N, D]`` of a CLIP ViT: open_clip's patch tokens (after
    ``ln_post``) projected into the joint space by the image projection, as the class
    token is."""
    clip.visual.output_tokens = True
    try:
        _, tokens = clip.visual(x)
    finally:
        clip.visual.output_tokens = False
    return tokens @ clip.visual.proj


def asymmetric_loss(prob, y, gamma_pos: float, gamma_neg: float, clip: float,
                    eps: float = 1e-8):
    """ASL (Ridnik et al., ICCV 2021) per element ``[B, C]`` on probabilities ``p``:
    ``-y (1 - p)^gamma_pos log p - (1 - y) p_m^gamma_neg log(1 - p_m)``, the shifted
    probability ``p_m = max(p - clip, 0)``; logs of arguments clamped at ``eps`` (as
    MMPretrain's implementation). Not reduced."""
    p_m = (prob - clip).clamp(min=0)
    pos = (1 - prob) ** gamma_pos * torch.log(prob.clamp(min=eps))
    neg = p_m ** gamma_neg * torch.log((1 - p_m).clamp(min=eps))
    return -(y * pos + (1 - y) * neg)


def dualcoop_oracle(model, cfg: Config, batch: dict, pos0: torch.Tensor,
                    neg0: torch.Tensor):
    """(loss, positive-context grad, negative-context grad) of one DualCoOp step.

    Follows the DualCoOp paper (Sun, Hu and Saenko, NeurIPS 2022; its equations): a
    positive and a negative prompt per class, CoOp-assembled
    from their learned contexts; region logits ``s+-[k, j, i] = exp(logit_scale) *
    cos(f_j, g(t+-_i))`` on the region features ``f_j`` (here: the ViT's projected
    patch tokens); class-specific region aggregation with the spatial softmax of the
    positive region logits, ``a[k, j, i] = softmax_j(spatial_scale * s+[k, j, i])``,
    ``p = sum_j a s+``, ``n = sum_j a s-``; the class probability is the 2-way softmax
    ``exp(p) / (exp(p) + exp(n))``; ASL on it, reduced as MMPretrain's
    ``AsymmetricLoss(reduction='mean')`` reduces without an ``avg_factor``: the mean
    over the ``B x C`` elements.
    """
    head, hp = model.head, cfg.model.head
    enc = head.text_encoder
    classes = list(cfg.class_names)
    y = targets_of(batch, len(classes))
    with torch.no_grad():
        regions = vit_patch_features(open_clip_twin(model), clip_inputs(batch))  # [B, N, D]
    ctx_p, ctx_n = pos0.clone().requires_grad_(True), neg0.clone().requires_grad_(True)
    t_pos = text_features(enc, *coop_prompts(enc, classes, ctx_p))  # [C, D]
    t_neg = text_features(enc, *coop_prompts(enc, classes, ctx_n))
    scale = head.logit_scale.exp()
    f = F.normalize(regions, dim=-1)
    s_pos = scale * torch.einsum('bnd,cd->bnc', f, F.normalize(t_pos, dim=-1))
    s_neg = scale * torch.einsum('bnd,cd->bnc', f, F.normalize(t_neg, dim=-1))
    attn = torch.softmax(hp.spatial_scale * s_pos, dim=1)  # over the N regions
    p, n = (attn * s_pos).sum(1), (attn * s_neg).sum(1)  # [B, C]
    prob = torch.softmax(torch.stack([p, n], dim=-1), dim=-1)[..., 0]
    asl = hp.loss
    loss = asymmetric_loss(prob, y, asl.gamma_pos, asl.gamma_neg, asl.clip).mean()
    grad_p, grad_n = torch.autograd.grad(loss, (ctx_p, ctx_n))
    return loss.detach(), grad_p, grad_n


# ------------------------------------------------------------------------------
# tests
# ------------------------------------------------------------------------------
LMPT_CASES = {
    # config: (form of the maths the oracle follows, with the CSE term)
    'configs/lmpt/lmpt_vit-b16_voc-lt.py': ('code', True),
    'configs/lmpt/lmpt_vit-b16_coco-lt.py': ('code', True),
    'configs/lmpt_voc_lt.py': ('code', True),
    'configs/lmpt/lmpt_vit-b16_voc-lt_paper.py': ('paper', True),
    'configs/lmpt/lmpt_vit-b16_coco-lt_paper.py': ('paper', True),
    'configs/coop/coop_vit-b16_voc-lt.py': ('code', False),
    'configs/coop/coop-csc_vit-b16_voc-lt.py': ('code', False),
    'configs/coop/coop-csc_vit-b16_coco-lt.py': ('code', False),
}


@pytest.mark.parametrize('rel', sorted(LMPT_CASES))
def test_prompt_tuning_step_equals_published_update(rel):
    form, with_cse = LMPT_CASES[rel]
    cfg = load(rel)
    # the published recipe itself: SGD, lr 5e-4, momentum 0.9, weight decay 1e-4,
    # batch 64, 16 context tokens N(0, 0.02), no gradient clipping
    opt = cfg.optim_wrapper.optimizer
    assert (opt.type, opt.lr, opt.momentum, opt.weight_decay) == ('SGD', 5e-4, 0.9, 1e-4)
    assert cfg.optim_wrapper.get('clip_grad') is None
    assert cfg.train_dataloader.batch_size == 64
    pl = cfg.model.head.prompt_learner
    assert (pl.n_ctx, pl.ctx_init, pl.get('init_std', 0.02)) == (16, None, 0.02)

    model = build_tiny(cfg)
    ctx = model.head.prompt_learner.ctx
    expected_shape = (len(cfg.class_names), 16) if pl.csc else (16, )
    assert ctx.shape[:-1] == expected_shape
    assert ctx.std().item() == pytest.approx(0.02, rel=0.1)  # N(0, 0.02) init
    batch = make_batch(cfg, len(cfg.class_names))
    ctx0 = ctx.detach().clone()
    oracle_loss, direction, oracle_ctx = lmpt_oracle(model, cfg, batch, ctx0, form,
                                                     with_cse)

    loss, optimizer = one_step(model, cfg, batch)
    assert loss == pytest.approx(oracle_loss.item(), rel=RTOL)
    assert_step(optimizer, ctx, ctx0, direction, oracle_ctx, f'{rel}: context')


def test_code_and_paper_forms_differ_in_the_step():
    """The two LMPT forms are not the same update (else shipping both is moot)."""
    steps = {}
    for rel in ('configs/lmpt/lmpt_vit-b16_voc-lt.py',
                'configs/lmpt/lmpt_vit-b16_voc-lt_paper.py'):
        cfg = load(rel)
        model = build_tiny(cfg)
        ctx0 = model.head.prompt_learner.ctx.detach().clone()
        one_step(model, cfg, make_batch(cfg, len(cfg.class_names)))  # same batch
        steps[rel] = model.head.prompt_learner.ctx.detach() - ctx0
    code, paper = steps.values()
    # measured: |code - paper| ~ 0.1 |code| on this batch (the DB term dominates both)
    assert (code - paper).norm() > 0.02 * code.norm()


HPDVAL_CASES = ['configs/hpdval/hpdval-stage2_vit-b16_voc-lt_paper.py',
                'configs/hpdval/hpdval-stage2_vit-b16_coco-lt_paper.py']


@pytest.mark.parametrize('rel', HPDVAL_CASES)
def test_hpdval_stage2_step_equals_paper_update(rel):
    cfg = load(rel)
    hp = cfg.model.head
    assert hp.score_scale == 1.0 and hp.alpha == 0.4 and hp.local_topk == 32
    opt = cfg.optim_wrapper.optimizer
    assert (opt.type, opt.lr, opt.weight_decay) == ('AdamW', 5e-6, 1e-4)
    model = build_tiny(cfg)
    head = model.head
    enc = head.text_encoder
    classes = list(cfg.class_names)
    g0 = head.global_prompt_learner.ctx.detach().clone()
    l0 = head.local_prompt_learner.ctx.detach().clone()
    batch = make_batch(cfg, len(classes))

    # oracle (paper): the frozen student's views, prompts through the text encoder
    pos = torch.tensor(cfg.train_class_freq, dtype=torch.float32)
    neg = torch.tensor(cfg.train_neg_class_freq, dtype=torch.float32)
    y = targets_of(batch, len(classes))
    with torch.no_grad():
        model.eval()
        f_cls, f_loc = model.extract_feat(model.data_preprocessor(batch, True)['inputs'])
        hand_tokens = enc.tokenize([f'a photo of a {c.replace("_", " ")}.' for c in classes])
        p_h = text_features(enc, enc.token_embedding(hand_tokens), hand_tokens)
    ctx_g, ctx_l = g0.clone().requires_grad_(True), l0.clone().requires_grad_(True)
    p_g = text_features(enc, *coop_prompts(enc, classes, ctx_g))
    p_l = text_features(enc, *coop_prompts(enc, classes, ctx_l))
    s_g = F.normalize(f_cls, dim=-1) @ F.normalize(p_g, dim=-1).t()  # [B, C]
    s_l = torch.einsum('bnd,cd->bcn', F.normalize(f_loc, dim=-1), F.normalize(p_l, dim=-1))
    k = min(hp.local_topk, f_loc.shape[1])
    s = hp.alpha * s_g + (1 - hp.alpha) * s_l.topk(k, dim=-1).values.mean(-1)
    db_star = resample_loss(1.0 * s, y, pos, neg, cfg.db_loss, 'element',
                            pos_scale=pos / pos.max())
    loss = db_star + hp.sc_weight * (p_h - p_g).abs().mean()
    grad_g, grad_l = torch.autograd.grad(loss, (ctx_g, ctx_l))

    ours, optimizer = one_step(model, cfg, batch)
    assert ours == pytest.approx(loss.item(), rel=RTOL)
    assert_step(optimizer, head.global_prompt_learner.ctx, g0,
                *adamw_first_step(g0, grad_g, opt), 'global context')
    assert_step(optimizer, head.local_prompt_learner.ctx, l0,
                *adamw_first_step(l0, grad_l, opt), 'local context')


RESNET_CASES = {
    # config: the DB-loss paper's loss the oracle computes
    'configs/resnet50/resnet50_erm_voc-lt.py': 'bce',
    'configs/resnet50/resnet50_db-focal_voc-lt.py': 'db-focal',
}


@pytest.mark.parametrize('rel', sorted(RESNET_CASES))
def test_resnet_step_equals_db_paper_update(rel):
    """ResNet baselines (DB-loss paper): loss mean over ``B x C``, first step at the
    warmup's lr / 3, gradient norm clipped at 35, SGD momentum / weight decay."""
    from mmengine.registry import PARAM_SCHEDULERS
    cfg = load(rel)
    opt = cfg.optim_wrapper.optimizer
    assert (opt.type, opt.lr, opt.momentum, opt.weight_decay) == ('SGD', 0.02, 0.9, 1e-4)
    assert cfg.optim_wrapper.clip_grad.max_norm == 35
    model = build_tiny(cfg)
    classes = list(cfg.class_names)
    batch = make_batch(cfg, len(classes))
    y = targets_of(batch, len(classes))
    params = [p for p in model.parameters() if p.requires_grad]
    p0 = [p.detach().clone() for p in params]

    # oracle: the network's logits, the paper's loss, autograd, clip, SGD
    model.train()
    logits = model(model.data_preprocessor(batch, True)['inputs'], mode='tensor')
    if RESNET_CASES[rel] == 'bce':
        loss = F.binary_cross_entropy_with_logits(logits, y)
    else:
        loss = resample_loss(logits, y, torch.tensor(cfg.train_class_freq, dtype=torch.float32),
                             torch.tensor(cfg.train_neg_class_freq, dtype=torch.float32),
                             cfg.db_loss, 'element')
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


@pytest.mark.parametrize('rel', ['configs/hpdval/hpdval-stage1_vit-b16_voc-lt_paper.py'])
def test_hpdval_stage1_step_equals_paper_update(rel):
    """Stage 1 (paper): the student's fused scores against the fixed hand-crafted
    prompts enter DB* at the raw cosine scale, plus ``L_kd = mean |f_CLIP - f_cls|``;
    AdamW's first step on every student parameter (the tiny student of
    tests/models/heads stands in for the ImageNet ViT-B/16)."""
    cfg = load(rel)
    hp = cfg.model.head
    assert hp.score_scale == 1.0 and cfg.model.kd_weight == 1.0
    opt = cfg.optim_wrapper.optimizer
    assert (opt.type, opt.lr, opt.weight_decay) == ('AdamW', 1e-5, 1e-4)
    assert cfg.train_dataloader.batch_size == 32
    model = build_tiny(cfg)
    classes = list(cfg.class_names)
    batch = make_batch(cfg, len(classes))
    pos = torch.tensor(cfg.train_class_freq, dtype=torch.float32)
    neg = torch.tensor(cfg.train_neg_class_freq, dtype=torch.float32)
    y = targets_of(batch, len(classes))
    params = [p for p in model.parameters() if p.requires_grad]
    p0 = [p.detach().clone() for p in params]

    model.train()
    inputs = model.data_preprocessor(batch, True)['inputs']
    with torch.no_grad():
        teacher = model.teacher_features(inputs)  # frozen CLIP image encoder
        p_h = model.head.hand_crafted_features()  # frozen text side
    f_cls, f_loc = model.extract_feat(inputs)
    s_g = F.normalize(f_cls, dim=-1) @ F.normalize(p_h, dim=-1).t()
    s_l = torch.einsum('bnd,cd->bcn', F.normalize(f_loc, dim=-1), F.normalize(p_h, dim=-1))
    k = min(hp.local_topk, f_loc.shape[1])
    s = hp.alpha * s_g + (1 - hp.alpha) * s_l.topk(k, dim=-1).values.mean(-1)
    loss = resample_loss(1.0 * s, y, pos, neg, cfg.db_loss, 'element',
                         pos_scale=pos / pos.max()) + (f_cls - teacher).abs().mean()
    grads = torch.autograd.grad(loss, params)

    ours, optimizer = one_step(model, cfg, batch)
    assert ours == pytest.approx(loss.item(), rel=RTOL)
    # the student's patch embedding, a mid-depth weight, the embedding head's output
    for i in (0, len(params) // 2, len(params) - 2):
        assert_step(optimizer, params[i], p0[i], *adamw_first_step(p0[i], grads[i], opt),
                    f'student parameter {i}')


DUALCOOP_CASES = ['configs/dualcoop/dualcoop_vit-b16_voc-lt.py',
                  'configs/dualcoop/dualcoop_vit-b16_coco-lt.py']


@pytest.mark.parametrize('rel', DUALCOOP_CASES)
def test_dualcoop_step_equals_paper_update(rel):
    """DualCoOp (paper, see :func:`dualcoop_oracle`): the loss and the SGD step of the
    positive and the negative contexts."""
    cfg = load(rel)
    hp = cfg.model.head
    opt = cfg.optim_wrapper.optimizer
    assert (opt.type, opt.lr, opt.momentum, opt.weight_decay) == ('SGD', 5e-4, 0.9, 1e-4)
    assert cfg.optim_wrapper.get('clip_grad') is None
    assert cfg.train_dataloader.batch_size == 64
    assert hp.loss == dict(type='AsymmetricLoss', use_sigmoid=True, gamma_pos=0.0,
                           gamma_neg=4.0, clip=0.05)  # reduction: the default 'mean'
    assert hp.spatial_scale == 0.2  # the DualCoOp code's 20 * cos (README recipe card)
    pl = hp.prompt_learner
    assert (pl.n_ctx, pl.csc, pl.ctx_init, pl.class_token_position) == (16, False, None, 'end')
    model = build_tiny(cfg)
    head = model.head
    pos_ctx, neg_ctx = head.pos_prompt_learner.ctx, head.neg_prompt_learner.ctx
    assert pos_ctx.shape[:-1] == neg_ctx.shape[:-1] == (16, )
    assert not torch.equal(pos_ctx, neg_ctx)  # two independent N(0, 0.02) draws
    pos0, neg0 = pos_ctx.detach().clone(), neg_ctx.detach().clone()
    batch = make_batch(cfg, len(cfg.class_names))
    loss, grad_p, grad_n = dualcoop_oracle(model, cfg, batch, pos0, neg0)

    ours, optimizer = one_step(model, cfg, batch)
    assert ours == pytest.approx(loss.item(), rel=RTOL)
    assert_step(optimizer, pos_ctx, pos0, *sgd_first_step(pos0, grad_p, opt),
                f'{rel}: positive context')
    assert_step(optimizer, neg_ctx, neg0, *sgd_first_step(neg0, grad_n, opt),
                f'{rel}: negative context')


ZEROSHOT_CASES = {
    # config: the prompt templates the oracle ensembles
    'configs/zeroshot_clip/zeroshot-clip_vit-b16_voc-lt.py': 'single',
    'configs/zeroshot_clip/zeroshot-clip_vit-b16_coco-lt.py': 'single',
    # (the COCO-LT ensemble runs the same head on 80 x 80 prompts: ~10 s more, no new code path)
    'configs/zeroshot_clip/zeroshot-clip-ensemble_vit-b16_voc-lt.py': 'ensemble',
}


@pytest.mark.parametrize('rel', sorted(ZEROSHOT_CASES))
def test_zeroshot_clip_scores_equal_clip(rel):
    """Zero-shot CLIP (Radford et al., ICML 2021): no training, so the parity is the
    predictions. The config's model on a batch gives the logits ``exp(logit_scale) *
    cos(f(x), t_i)`` and the sigmoid scores of open_clip's own ``encode_image`` /
    ``encode_text`` on the same weights, ``t_i`` the text feature of ``"a photo of a
    {class}."`` or, for the ensemble, ``normalize(mean_j normalize(g(template_j(class_i))))``
    over CLIP's 80 ImageNet templates (CLIP's prompt ensembling)."""
    cfg = load(rel)
    assert cfg.train_dataloader is None and cfg.optim_wrapper is None  # test-only
    model = build_tiny(cfg)
    model.eval()
    classes = list(cfg.class_names)
    batch = make_batch(cfg, len(classes), batch_size=8)
    with torch.no_grad():
        preds = model.test_step(batch)
    logits = torch.stack([p.pred_logits for p in preds])
    scores = torch.stack([p.pred_score for p in preds])

    # oracle: open_clip on the model's weights, CLIP's preprocessing and prompts
    if ZEROSHOT_CASES[rel] == 'single':
        templates = ['a photo of a {}.'.format]
    else:
        from open_clip.zero_shot_metadata import OPENAI_IMAGENET_TEMPLATES
        templates = list(OPENAI_IMAGENET_TEMPLATES)
        assert len(templates) == 80
    clip = open_clip_twin(model)
    tokenizer = open_clip.get_tokenizer(model.backbone.arch)
    names = [c.replace('_', ' ') for c in classes]
    with torch.no_grad():
        img = clip.encode_image(clip_inputs(batch), normalize=True)  # [B, D]
        tokens = tokenizer([t(c) for t in templates for c in names])  # [T * C, L]
        text = clip.encode_text(tokens, normalize=True).view(len(templates), len(names), -1)
        text = text.mean(0)  # [C, D]
        oracle = clip.logit_scale.exp() * img @ F.normalize(text, dim=-1).t()
    assert_close(logits, oracle, f'{rel}: logits')
    assert_close(scores, oracle.sigmoid(), f'{rel}: scores')
    assert oracle.std() > 0.1  # the classes' scores differ: a real comparison
