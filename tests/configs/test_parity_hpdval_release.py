"""HP-DVAL's default configs compute what the HP-DVAL code computes (jiexuanyan/hp_dval).

The real configs ``configs/hpdval/hpdval-stage{1,2}_vit-b16_voc-lt.py`` are built with
the real CLIP ViT-B/16 architecture (random weights, built once for the module) and
stepped as the Runner steps them - the config's optimiser wrapper and its parameter
schedulers, built as ``convert_to_iter_based`` builds them - on 4 of the 20 classes
(with their statistics). The later optimiser step is fed step 1's gradients, scaled,
with the AdamW state step 1 left. Each quantity is compared
with an oracle transcribed, in plain torch, from the release (file:line of the
release):

- the visual tower as ``VisualEncoder`` runs it, [CLS] and patch tokens through
  ``ln_post`` and ``clip_model.visual.proj`` (``models/prompt_model.py`` 239-253, 301,
  331); the text tower as ``TextEncoder`` runs it over the whole 77-token context
  (21-38); prompts ``[SOS] ctx name . [EOS]`` with ``ctx`` the embeddings of
  ``'a photo of a'`` (50-60, 110-120, 149-157);
- the score: ``topk(exp(T_L) * f_j . P_L)`` mean and ``exp(T_G) * f_cls . P_G``, each
  divided by its L2 norm over the classes, ``alpha * local + (1 - alpha) * global``
  (317-348);
- ``ResampleLoss`` with the batch-mean ``p_t`` (``src/loss_functions/dbl.py`` 62-63,
  363-372, 401-412) and the stage-1 runner's ``pos_scale`` (``coco_runner.py`` 248);
  stage 2 adds ``F.l1_loss(P_L, P_H)`` (``utils/dual_LT_engine_grouplr.py`` 201);
- torch's own ``AdamW`` on the parameter groups of ``add_weight_decay``
  (``src/helper_functions/helper_functions.py`` 170-192: no decay on 1-D parameters and
  biases) driven by torch's own ``OneCycleLR(max_lr=1e-5, pct_start=0.1)`` over 80
  epochs (``coco_runner.py`` 348; its ``cycle_momentum`` cycles ``beta_1``);
- ``ModelEma(decay=0.998)`` (``helper_functions.py`` 99-118).

Each oracle is also shown to fail on a changed formula (alpha on the other view, class
normalisation dropped, element-wise ``p_t``, ``pos_scale`` dropped, L_sc on the global
prompts, no momentum cycling, MMEngine's EMA start). Tolerance: 1e-4 relative.
"""
import copy
from pathlib import Path
from typing import Dict, List

import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.hooks import EMAHook
from mmengine.optim import build_optim_wrapper
from mmengine.registry import PARAM_SCHEDULERS
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample
from torch import nn

from lmpt_mm.engine.hooks import EMAFromStartHook
from test_recipe_parity import resample_loss

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
STAGE1 = 'configs/hpdval/hpdval-stage1_vit-b16_voc-lt.py'
STAGE2 = 'configs/hpdval/hpdval-stage2_vit-b16_voc-lt.py'
RTOL = 1e-4
# 4 of VOC-LT's 20 classes (a tail, two head and a medium class, with their train
# statistics): the formulas are per class or normalise over whatever classes there
# are, and the trained text tower then runs 4 prompts instead of 20
CLASS_IDX = (0, 6, 14, 19)  # aeroplane, car, person, tvmonitor
EPOCH_LENGTH = 10  # iterations per epoch: the 80-epoch cycle is 800 iterations
LATER = 120  # a later iteration, past the 80-iteration warm-up
LATER_GRAD = -0.5  # the later step's gradients: step 1's times this
# stage-1 parameters whose gradient and update are compared (visual and text towers,
# 1-D / 2-D, with and without weight decay)
STAGE1_PARAMS = ('backbone.visual.class_embedding', 'backbone.visual.conv1.weight',
                 'backbone.visual.proj', 'backbone.visual.ln_post.weight',
                 'backbone.visual.transformer.resblocks.11.attn.in_proj_weight',
                 'head.text_encoder.text_projection', 'head.text_encoder.ln_final.bias',
                 'head.text_encoder.positional_embedding')


# ------------------------------------------------------------------------------
# the real configs, stepped as the Runner steps them
# ------------------------------------------------------------------------------
def build(rel: str):
    cfg = Config.fromfile(str(REPO / rel))
    model_cfg = cfg.model.to_dict()
    model_cfg['backbone']['pretrained'] = None  # the real architecture, random weights
    model_cfg['head']['pretrained'] = None
    for key in ('class_names', 'train_class_freq', 'train_neg_class_freq'):
        cfg[key] = [cfg[key][i] for i in CLASS_IDX]
    model_cfg['head']['classes'] = list(cfg.class_names)
    torch.manual_seed(0)
    model = MODELS.build(model_cfg)
    model.head.set_class_stats(list(cfg.train_class_freq), list(cfg.train_neg_class_freq))
    return cfg, model


def schedulers(cfg: Config, optim_wrapper) -> list:
    """The config's schedulers as the Runner builds them (``convert_to_iter_based``)."""
    out = []
    for sched in cfg.param_scheduler:
        sched = dict(sched)
        assert sched.pop('convert_to_iter_based')
        kind = PARAM_SCHEDULERS.get(sched.pop('type'))
        out.append(kind.build_iter_from_epoch(optim_wrapper, epoch_length=EPOCH_LENGTH,
                                              **sched))
    return out


def make_batch(classes: List[str], seed: int) -> dict:
    gen = torch.Generator().manual_seed(seed)
    imgs, samples = [], []
    for labels in ([0, 2], [1, 3]):  # (aeroplane, person), (car, tvmonitor)
        imgs.append(torch.randint(0, 256, (3, 224, 224), generator=gen, dtype=torch.uint8))
        samples.append(DataSample().set_gt_label(labels))
    return dict(inputs=imgs, data_samples=samples)


def targets(batch: dict, num_classes: int) -> torch.Tensor:
    y = torch.zeros(len(batch['data_samples']), num_classes)
    for k, sample in enumerate(batch['data_samples']):
        y[k, sample.gt_label] = 1.0
    return y


def our_step(model, optim_wrapper, batch, names, keep_grads: bool = False) -> tuple:
    """One ``train_step`` (MMEngine's ``update_params`` split open to read gradients):
    ``(loss, {name: grad}, {name: AdamW's first moment after the step}, logits,
    features)``. ``keep_grads``: the gradients stay on the parameters (no
    ``zero_grad``) for a later step fed from them."""
    model.train()
    seen = {}
    hook = model.head.register_forward_hook(
        lambda mod, args, out: seen.update(logits=out.detach(), feats=args[0]))
    try:
        with optim_wrapper.optim_context(model):
            data = model.data_preprocessor(batch, True)
            losses = model._run_forward(data, mode='loss')
    finally:
        hook.remove()
    parsed, _ = model.parse_losses(losses)
    optim_wrapper.backward(parsed)
    params = dict(model.named_parameters())
    grads = {n: params[n].grad.detach().clone() for n in names}
    optim_wrapper.step()
    if not keep_grads:
        optim_wrapper.zero_grad()
    moments = first_moments(model, optim_wrapper, names)
    # (stage 2's head scores inside its loss, without a forward call: nothing seen)
    feats = tuple(f.detach() for f in seen['feats']) if 'feats' in seen else None
    return parsed.detach(), grads, moments, seen.get('logits'), feats


def first_moments(model, optim_wrapper, names) -> Dict[str, torch.Tensor]:
    state, params = optim_wrapper.optimizer.state, dict(model.named_parameters())
    return {n: state[params[n]]['exp_avg'].clone() for n in names}


def assert_close(ours: torch.Tensor, oracle: torch.Tensor, what: str,
                 rtol: float = RTOL) -> None:
    err = (ours.float() - oracle.float()).abs().max().item()
    scale = oracle.abs().max().item()
    assert scale > 0, f'{what}: the oracle is zero - nothing compared'
    assert err <= rtol * scale, f'{what}: max |diff| {err:.3g} vs max |oracle| {scale:.3g}'


def assert_differs(ours: torch.Tensor, mutant: torch.Tensor, what: str) -> None:
    err = (ours.float() - mutant.float()).abs().max().item()
    assert err > 100 * RTOL * mutant.abs().max().item(), \
        f'the oracle with {what} still matches: the test could not see that change'


# ------------------------------------------------------------------------------
# the oracle: the release's maths in plain torch
# ------------------------------------------------------------------------------
def release_inputs(batch: dict) -> torch.Tensor:
    """``ToTensor()`` of the RGB images: pixels / 255 (the batch holds BGR uint8)."""
    return torch.stack(batch['inputs']).float().flip(1) / 255.0


def release_visual(visual: nn.Module, x: torch.Tensor):
    """``VisualEncoder.forward`` then ``@ clip_model.visual.proj``: ``(f_cls [B, D],
    f_j [B, N, D])``."""
    x = visual.conv1(x)
    x = x.reshape(x.shape[0], x.shape[1], -1).permute(0, 2, 1)  # [B, N, width]
    cls = visual.class_embedding + torch.zeros(x.shape[0], 1, x.shape[-1])
    x = torch.cat([cls, x], dim=1) + visual.positional_embedding
    x = visual.ln_post(visual.transformer(visual.ln_pre(x)))
    return x[:, 0] @ visual.proj, x[:, 1:] @ visual.proj


def text_features(enc, embeds: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
    """``TextEncoder.forward``: positional embedding, the causal transformer, final
    LayerNorm, the end-of-text row (highest id), projection. Positions after the last
    end-of-text token are dropped first: under the causal mask they never reach a
    pooled row (exact; it saves the 77-token pass most of its cost)."""
    n = int(tokens.argmax(dim=-1).max()) + 1
    x = embeds[:, :n] + enc.positional_embedding[:n]
    x = enc.transformer(x, attn_mask=enc.attn_mask[:n, :n])
    x = enc.ln_final(x)
    x = x[torch.arange(x.shape[0]), tokens.argmax(dim=-1)]
    proj = enc.text_projection
    return proj(x) if isinstance(proj, nn.Linear) else x @ proj


def release_prompts(enc, classes: List[str], ctx: torch.Tensor):
    """``PromptLearner`` (class token at the end): embeddings and token ids."""
    n_ctx = ctx.shape[0]
    tokens = enc.tokenize([f"a photo of a {c.replace('_', ' ')}." for c in classes])
    with torch.no_grad():
        emb = enc.token_embedding(tokens)
    ctx = ctx.unsqueeze(0).expand(len(classes), -1, -1)
    return torch.cat([emb[:, :1], ctx, emb[:, 1 + n_ctx:]], dim=1), tokens


def release_ctx_init(enc) -> torch.Tensor:
    """``ctx_init='a photo of a'``: the phrase's 4 token embeddings."""
    with torch.no_grad():
        return enc.token_embedding(enc.tokenize(['a photo of a']))[0, 1:5].clone()


def release_score(dist, pred, p_local, p_global, t_local, t_global, alpha: float,
                  k: int, alpha_on_local: bool = True, norm_pred: bool = True):
    score1 = torch.topk(t_local.exp() * pred @ p_local.t(), k=k, dim=1)[0].mean(dim=1)
    score2 = t_global.exp() * dist @ p_global.t()
    if norm_pred:
        score1 = score1 / score1.norm(dim=-1, keepdim=True)
        score2 = score2 / score2.norm(dim=-1, keepdim=True)
    if alpha_on_local:
        return alpha * score1 + (1 - alpha) * score2
    return (1 - alpha) * score1 + alpha * score2


def release_groups(named: Dict[str, torch.Tensor], wd: float) -> list:
    """``add_weight_decay``: 1-D parameters and biases without decay."""
    no_decay = [p for n, p in named.items() if p.dim() == 1 or n.endswith('.bias')]
    decay = [p for n, p in named.items() if not (p.dim() == 1 or n.endswith('.bias'))]
    return [dict(params=no_decay, weight_decay=0.0), dict(params=decay, weight_decay=wd)]


class ReleaseOptimiser:
    """torch's AdamW + OneCycleLR on copies of some parameters, fed given gradients."""

    def __init__(self, params: Dict[str, torch.Tensor], cfg: Config,
                 cycle_momentum: bool = True) -> None:
        self.params = {n: p.detach().clone().requires_grad_(True) for n, p in params.items()}
        opt = cfg.optim_wrapper.optimizer
        self.opt = torch.optim.AdamW(release_groups(self.params, opt.weight_decay),
                                     lr=opt.lr, weight_decay=0)
        self.sched = torch.optim.lr_scheduler.OneCycleLR(
            self.opt, max_lr=opt.lr, steps_per_epoch=EPOCH_LENGTH,
            epochs=cfg.hpdval_code_cycle_epochs, pct_start=0.1,
            cycle_momentum=cycle_momentum)

    def step(self, grads: Dict[str, torch.Tensor]) -> None:
        for n, p in self.params.items():
            p.grad = grads[n].clone()
        self.opt.step()
        self.sched.step()

    def moments(self) -> Dict[str, torch.Tensor]:
        return {n: self.opt.state[p]['exp_avg'].clone() for n, p in self.params.items()}

    def advance(self, steps: int) -> None:
        for _ in range(steps):
            self.sched.step()


def stage1_oracle(model, cfg: Config, batch: dict, names):
    """Stage 1 (``coco_runner.py`` + ``utils/LT_engine_grouplr.py`` 209-223 on the
    ``CLIPVIT`` of ``models/prompt_model.py``, its prompt learner frozen): ``(score,
    loss, {name: grad})`` at the model's current weights."""
    head, enc = model.head, model.head.text_encoder
    classes = list(cfg.class_names)
    dist, pred = release_visual(model.backbone.visual, release_inputs(batch))
    ctx = release_ctx_init(enc)  # ctx and ctx_double: the same frozen phrase
    embeds, tokens = release_prompts(enc, classes, ctx)
    text = text_features(enc, embeds, tokens)  # the text tower trains: with gradient
    t = torch.tensor(cfg.model.head.view_log_temperature)
    hp = cfg.model.head
    score = release_score(dist, pred, text, text, t, t, hp.alpha, hp.local_topk)
    loss = stage1_loss(score, batch, cfg)
    params = dict(model.named_parameters())
    grads = torch.autograd.grad(loss, [params[n] for n in names])
    views = (dist.detach(), pred.detach(), text.detach())
    return score.detach(), loss.detach(), dict(zip(names, grads)), views


def stage1_loss(score, batch, cfg, pt_mode: str = 'batch', pos_scale: bool = True):
    db = cfg.model.head.loss
    pos = torch.tensor(cfg.train_class_freq, dtype=torch.float32)
    neg = torch.tensor(cfg.train_neg_class_freq, dtype=torch.float32)
    return resample_loss(score, targets(batch, len(pos)), pos, neg, db, pt_mode,
                         db.logit_reg.pos_scale if pos_scale else None)


# ------------------------------------------------------------------------------
# module fixture: stage 1 built once, stepped at the schedule's first iteration and,
# from recorded gradients, at a later one
# ------------------------------------------------------------------------------
@pytest.fixture(scope='module')
def stage1():
    cfg, model = build(STAGE1)
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    scheds = schedulers(cfg, optim_wrapper)
    params = dict(model.named_parameters())
    batch = make_batch(cfg.class_names, 0)
    out = dict(cfg=cfg, model=model)
    # step 1 (the schedule's first iteration)
    out['oracle1'] = stage1_oracle(model, cfg, batch, STAGE1_PARAMS)
    release = ReleaseOptimiser({n: params[n] for n in STAGE1_PARAMS}, cfg)
    mutant = ReleaseOptimiser({n: params[n] for n in STAGE1_PARAMS}, cfg,
                              cycle_momentum=False)
    out['lr_beta_first'] = (optim_wrapper.param_groups[0]['lr'],
                            optim_wrapper.param_groups[0]['betas'][0])
    out['ours1'] = our_step(model, optim_wrapper, batch, STAGE1_PARAMS,
                            keep_grads=True)
    for s in scheds:
        s.step()
    release.step(out['oracle1'][2])
    mutant.step(out['oracle1'][2])
    out['p1'] = {n: params[n].detach().clone() for n in STAGE1_PARAMS}
    out['release_p1'] = {n: p.detach().clone() for n, p in release.params.items()}
    out['release_m1'] = release.moments()
    # a later step: both schedules advanced to iteration LATER
    for _ in range(LATER - 1):
        for s in scheds:
            s.step()
    release.advance(LATER - 1)
    mutant.advance(LATER - 1)
    out['lr_beta_later'] = (optim_wrapper.param_groups[0]['lr'],
                            optim_wrapper.param_groups[0]['betas'][0],
                            release.opt.param_groups[0]['lr'],
                            release.opt.param_groups[0]['betas'][0])
    # The later step's gradients: step 1's, scaled by LATER_GRAD (another direction
    # for the moments to mix, no second forward/backward), on both sides; AdamW's
    # state carries over from step 1 on both sides.
    for p in model.parameters():
        if p.grad is not None:
            p.grad.mul_(LATER_GRAD)
    optim_wrapper.step()
    optim_wrapper.zero_grad()
    out['ours2'] = (None, None, first_moments(model, optim_wrapper, STAGE1_PARAMS))
    later_grads = {n: LATER_GRAD * g for n, g in out['oracle1'][2].items()}
    release.step(later_grads)
    mutant.step(later_grads)
    out['p2'] = {n: params[n].detach().clone() for n in STAGE1_PARAMS}
    out['release_p2'] = {n: p.detach().clone() for n, p in release.params.items()}
    out['release_m2'] = release.moments()
    out['mutant_m2'] = mutant.moments()
    out['batch'] = batch
    return out


# ------------------------------------------------------------------------------
# stage 1
# ------------------------------------------------------------------------------
def test_fused_score_equals_release(stage1):
    cfg, head = stage1['cfg'], stage1['model'].head
    hp = cfg.model.head
    score, _, _, (dist, pred, text) = stage1['oracle1']
    _, _, _, logits, feats = stage1['ours1']
    assert_close(logits, score, 'fused score')
    t = torch.tensor(hp.view_log_temperature)
    # alpha = 0.5 weighs both views alike; at 0.3 its side shows
    with torch.no_grad():
        head.alpha = 0.3
        try:
            ours = head.dual_view_logits(feats, text, text)
        finally:
            head.alpha = hp.alpha
    assert_close(ours, release_score(dist, pred, text, text, t, t, 0.3, hp.local_topk),
                 'fused score at alpha 0.3')
    assert_differs(ours, release_score(dist, pred, text, text, t, t, 0.3, hp.local_topk,
                                       alpha_on_local=False), 'alpha on the global view')
    assert_differs(logits, release_score(dist, pred, text, text, t, t, hp.alpha,
                                         hp.local_topk, norm_pred=False),
                   'no class normalisation')


def test_stage1_loss_and_gradients_equal_release(stage1):
    our_loss, our_grads = stage1['ours1'][:2]
    score, loss, grads, _ = stage1['oracle1']
    assert_close(our_loss, loss, 'loss')
    for name in STAGE1_PARAMS:
        assert_close(our_grads[name], grads[name], f'grad of {name}')
    score, loss, _, _ = stage1['oracle1']
    cfg, batch = stage1['cfg'], stage1['batch']
    assert_differs(loss, stage1_loss(score, batch, cfg, pt_mode='element'),
                   "the DB paper's element-wise p_t")
    assert_differs(loss, stage1_loss(score, batch, cfg, pos_scale=False),
                   'no pos_scale')


def test_stage1_first_and_later_steps_equal_release(stage1):
    lr, beta1 = stage1['lr_beta_first']
    assert lr == pytest.approx(4e-7) and beta1 == pytest.approx(0.95)
    ours_lr, ours_beta, rel_lr, rel_beta = stage1['lr_beta_later']
    assert ours_lr == pytest.approx(rel_lr, rel=1e-12)
    assert ours_beta == pytest.approx(rel_beta, rel=1e-12) and ours_beta < 0.95
    # the step the optimiser took (AdamW's first moment: its direction before the
    # normalisation), and the parameters (an update of ~1e-6 on weights of ~1 keeps
    # only ~1e-1 relative precision in p1 - p0 in float32: compared through the moment)
    for step in ('1', '2'):
        moments = stage1[f'ours{step}'][2]
        for name in STAGE1_PARAMS:
            assert_close(moments[name], stage1[f'release_m{step}'][name],
                         f'step {step} first moment of {name}')
            assert_close(stage1[f'p{step}'][name], stage1[f'release_p{step}'][name],
                         f'step {step} {name}')
    name = 'backbone.visual.proj'
    assert_differs(stage1['ours2'][2][name], stage1['mutant_m2'][name], 'beta_1 not cycled')


# ------------------------------------------------------------------------------
# stage 2
# ------------------------------------------------------------------------------
def test_stage2_loss_gradients_and_first_step_equal_release(stage1):
    cfg, model = build(STAGE2)
    # stage 2 starts from stage 1's weights (its load_from): here the stepped model's
    model.load_state_dict(stage1['model'].state_dict(), strict=False)
    head, enc = model.head, model.head.text_encoder
    classes = list(cfg.class_names)
    ctx_init = release_ctx_init(enc)
    assert torch.equal(head.local_prompt_learner.ctx.detach(), ctx_init)
    assert torch.equal(head.global_prompt_learner.ctx.detach(), ctx_init)
    # Compare away from the start, where P_L = P_H and L_sc = 0 with a subgradient of
    # rounding signs: contexts moved as training would move them.
    gen = torch.Generator().manual_seed(2)
    ctx_l0 = ctx_init + 0.02 * torch.randn(ctx_init.shape, generator=gen)
    ctx_g0 = ctx_init + 0.02 * torch.randn(ctx_init.shape, generator=gen)
    with torch.no_grad():
        head.local_prompt_learner.ctx.copy_(ctx_l0)
        head.global_prompt_learner.ctx.copy_(ctx_g0)
    batch = stage1['batch']
    hp = cfg.model.head
    # the oracle: CLIPVIT with everything but the prompt learner frozen
    ctx_l = ctx_l0.clone().requires_grad_(True)
    ctx_g = ctx_g0.clone().requires_grad_(True)
    t_l = torch.tensor(hp.view_log_temperature, requires_grad=True)
    t_g = torch.tensor(hp.view_log_temperature, requires_grad=True)
    with torch.no_grad():
        dist, pred = release_visual(model.backbone.visual, release_inputs(batch))
        template = text_features(enc, enc.token_embedding(enc.tokenize(
            [f'a photo of a {c}.' for c in classes])), enc.tokenize(
            [f'a photo of a {c}.' for c in classes]))
    p_local = text_features(enc, *release_prompts(enc, classes, ctx_l))
    p_global = text_features(enc, *release_prompts(enc, classes, ctx_g))
    score = release_score(dist, pred, p_local, p_global, t_l, t_g, hp.alpha, hp.local_topk)
    db = hp.loss
    pos = torch.tensor(cfg.train_class_freq, dtype=torch.float32)
    neg = torch.tensor(cfg.train_neg_class_freq, dtype=torch.float32)
    cls_loss = resample_loss(score, targets(batch, len(classes)), pos, neg, db, 'batch')
    loss = cls_loss + F.l1_loss(p_local, template)
    g_l, g_g, g_tl, g_tg = torch.autograd.grad(loss, [ctx_l, ctx_g, t_l, t_g])

    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    schedulers(cfg, optim_wrapper)
    names = ('head.local_prompt_learner.ctx', 'head.global_prompt_learner.ctx',
             'head.local_log_temperature', 'head.global_log_temperature')
    our_loss, grads, moments, _, _ = our_step(model, optim_wrapper, batch, names)
    assert_close(our_loss, loss.detach(), 'stage-2 loss')
    assert_close(grads[names[0]], g_l, 'local context grad')
    assert_close(grads[names[1]], g_g, 'global context grad')
    # the temperatures cancel under the class normalisation: (rounding-level) zero
    # gradients, in the release as here
    for g in (g_tl, g_tg, grads[names[2]], grads[names[3]]):
        assert g.abs().item() < 1e-5 * g_l.abs().max().item()
    # the first AdamW step of the contexts (OneCycle's first lr, decay on 2-D)
    release = ReleaseOptimiser(dict(l=ctx_l0, g=ctx_g0), cfg)
    release.step(dict(l=g_l, g=g_g))
    assert_close(head.local_prompt_learner.ctx.detach(), release.params['l'], 'local ctx')
    assert_close(head.global_prompt_learner.ctx.detach(), release.params['g'],
                 'global ctx')
    release_moments = release.moments()
    assert_close(moments[names[0]], release_moments['l'], 'local ctx first moment')
    assert_close(moments[names[1]], release_moments['g'], 'global ctx first moment')
    # L_sc on the global prompts would be another loss
    assert_differs(loss.detach(), (cls_loss + F.l1_loss(p_global, template)).detach(),
                   'L_sc on the global prompts')


# ------------------------------------------------------------------------------
# EMA
# ------------------------------------------------------------------------------
class _Runner:
    def __init__(self, model):
        self.model, self.iter, self.epoch, self.max_iters, self.max_epochs = model, 0, 0, 10, 1


def ema_after_two_steps(hook_type):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 3), nn.LayerNorm(3))
    runner = _Runner(model)
    hook = hook_type(ema_type='ExponentialMovingAverage', momentum=0.002,
                     update_buffers=True)
    hook.before_run(runner)
    hook.before_train(runner)
    start = copy.deepcopy(model.state_dict())
    steps = []
    for it in range(2):
        with torch.no_grad():
            for p in model.parameters():
                p.add_(torch.randn_like(p))
        steps.append(copy.deepcopy(model.state_dict()))
        runner.iter = it
        hook.after_train_iter(runner, it)
    return hook.ema_model.module.state_dict(), start, steps


def test_ema_update_equals_model_ema():
    ema, start, steps = ema_after_two_steps(EMAFromStartHook)
    decay = 0.998
    for key, value in ema.items():
        oracle = start[key]  # ModelEma: a copy of the model when training starts
        for state in steps:  # update(): decay * ema + (1 - decay) * model
            oracle = decay * oracle + (1.0 - decay) * state[key]
        assert_close(value, oracle, f'EMA of {key}', rtol=1e-6)
    mmengine_ema, _, _ = ema_after_two_steps(EMAHook)
    key = '0.weight'
    oracle = start[key]
    for state in steps:
        oracle = decay * oracle + (1.0 - decay) * state[key]
    assert_differs(oracle, mmengine_ema[key], "MMEngine's EMA start (a copy after step 1)")
