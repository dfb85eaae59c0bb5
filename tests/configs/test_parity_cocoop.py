"""Recipe parity of CoCoOp (Zhou et al., "Conditional Prompt Learning for Vision-Language
Models", CVPR 2022) in the long-tailed multi-label setting.

- **One step against the paper's equations** (plain torch, no lmpt_mm prompt, head,
  loss or optimiser code): ``pi(x) = h(x / |x|)`` with
  ``h = Linear(D, D/16) - ReLU - Linear(D/16, W)``, image ``k``'s prompt for class
  ``i`` ``[SOS] v_1 + pi .. v_M + pi  name_i . [EOS]`` encoded by CLIP's text tower
  over the whole context, image by image (no truncation, no batching across images),
  logits ``exp(logit_scale) * cos``, the DB loss as the LMPT code computes it (or BCE,
  mean over ``B x C``), autograd, SGD's first step ``p - lr (g + wd p)`` on the context
  and every meta-network parameter. The config's own batch is 1 (the release's); the
  step is taken on 3 images so that the prompts differ across the batch.
- **Against the CoCoOp release** (``trainers/cocoop.py`` of ``KaiyangZhou/CoOp``,
  transcribed below): its meta-network (an ordered ``linear1 / relu / linear2``
  ``Sequential``: our state dict loads into it with the same keys) and its prompt
  construction (a loop over images, each expanding its shifted context to every class
  and concatenating SOS, context, suffix), on the model's weights.
- **Schedule**: the configs' per-epoch lr equals Dassl's constant warmup (1e-5) then
  cosine from 0.002 counted from epoch 1.
"""
import math
from collections import OrderedDict

import pytest
import torch
import torch.nn.functional as F
from mmengine.optim import build_optim_wrapper
from mmengine.registry import PARAM_SCHEDULERS
from torch import nn

from test_configs_build import _mmpretrain_registry  # noqa: F401
from test_recipe_parity import (RTOL, assert_close, assert_step, build_tiny, coop_prompts,
                                load, make_batch, one_step, resample_loss, sgd_first_step,
                                targets_of, text_features)

CASES = {
    # config: the loss the oracle computes
    'configs/cocoop/cocoop_vit-b16_voc-lt.py': 'db',
    'configs/cocoop/cocoop-bce_vit-b16_coco-lt.py': 'bce',
}
BATCH = 3
META = ('linear1.weight', 'linear1.bias', 'linear2.weight', 'linear2.bias')


def cocoop_oracle(model, cfg, batch, ctx0, meta0, kind: str):
    """(loss, [(direction, p1)] for ctx and the meta-network) of the published step."""
    head = model.head
    enc = head.text_encoder
    classes = list(cfg.class_names)
    y = targets_of(batch, len(classes))
    with torch.no_grad():
        img = model.extract_feat(model.data_preprocessor(batch, True)['inputs'])[0]
    x = F.normalize(img, dim=-1)  # [B, D]
    ctx = ctx0.clone().requires_grad_(True)
    w1, b1, w2, b2 = (p.clone().requires_grad_(True) for p in meta0)
    pi = F.relu(x @ w1.t() + b1) @ w2.t() + b2  # [B, W]
    logits = []
    for k in range(x.shape[0]):
        embeds, tokens = coop_prompts(enc, classes, ctx + pi[k])  # [C, L, W]
        text = text_features(enc, embeds, tokens)  # [C, D]
        logits.append(head.logit_scale.exp() * F.normalize(text, dim=-1) @ x[k])
    logits = torch.stack(logits)  # [B, C]
    if kind == 'db':
        loss = resample_loss(logits, y, torch.tensor(cfg.train_class_freq, dtype=torch.float32),
                             torch.tensor(cfg.train_neg_class_freq, dtype=torch.float32),
                             cfg.db_loss, 'batch')
    else:
        loss = F.binary_cross_entropy_with_logits(logits, y)
    params = [ctx, w1, b1, w2, b2]
    grads = torch.autograd.grad(loss, params)
    opt = cfg.optim_wrapper.optimizer
    return loss.detach(), [sgd_first_step(p.detach(), g, opt) for p, g in zip(params, grads)]


@pytest.mark.parametrize('rel', sorted(CASES))
def test_step_equals_published_update(rel):
    cfg = load(rel)
    # the CoCoOp release's recipe: SGD lr 0.002, momentum 0.9, weight decay 5e-4 (Dassl),
    # batch 1, 4 context tokens from "a photo of a", hidden width D / 16
    opt = cfg.optim_wrapper.optimizer
    assert (opt.type, opt.lr, opt.momentum, opt.weight_decay) == ('SGD', 0.002, 0.9, 5e-4)
    assert cfg.train_dataloader.batch_size == 1
    pl = cfg.model.head.prompt_learner
    assert (pl.n_ctx, pl.ctx_init, pl.hidden_ratio) == (4, 'a photo of a', 16)

    model = build_tiny(cfg)
    learner = model.head.prompt_learner
    enc = model.head.text_encoder
    with torch.no_grad():  # context initialised from the words' token embeddings
        words = enc.token_embedding(enc.tokenize(['a photo of a']))[0, 1:5]
    torch.testing.assert_close(learner.ctx.detach(), words, rtol=0, atol=0)
    d = enc.output_dim
    assert learner.meta_net.linear1.weight.shape == (d // 16, d)
    assert learner.meta_net.linear2.weight.shape == (enc.width, d // 16)

    batch = make_batch(cfg, len(cfg.class_names), batch_size=BATCH)
    ctx0 = learner.ctx.detach().clone()
    meta = [learner.meta_net.get_parameter(n) for n in META]
    meta0 = [p.detach().clone() for p in meta]
    oracle_loss, steps = cocoop_oracle(model, cfg, batch, ctx0, meta0, CASES[rel])

    loss, optimizer = one_step(model, cfg, batch)
    assert loss == pytest.approx(oracle_loss.item(), rel=RTOL)
    for name, param, p0, (direction, p1) in zip(('ctx', *META), [learner.ctx, *meta],
                                                [ctx0, *meta0], steps):
        assert_step(optimizer, param, p0, direction, p1, f'{rel}: {name}')


class ReleasePromptLearner(nn.Module):
    """The CoCoOp release's ``PromptLearner`` maths (``trainers/cocoop.py``): a shared
    context ``ctx [M, W]``, ``meta_net`` = ``linear1 - relu - linear2`` and the fixed
    SOS / suffix embeddings, prompts built image by image."""

    def __init__(self, ctx, prefix, suffix, image_dim: int) -> None:
        super().__init__()
        width = ctx.shape[-1]
        self.ctx = nn.Parameter(ctx.clone())
        self.meta_net = nn.Sequential(OrderedDict([
            ('linear1', nn.Linear(image_dim, image_dim // 16)),
            ('relu', nn.ReLU(inplace=True)),
            ('linear2', nn.Linear(image_dim // 16, width)),
        ]))
        self.register_buffer('token_prefix', prefix.clone())
        self.register_buffer('token_suffix', suffix.clone())

    def forward(self, im_features):
        shifted = self.ctx.unsqueeze(0) + self.meta_net(im_features).unsqueeze(1)
        n_cls = self.token_prefix.shape[0]
        prompts = []
        for ctx_i in shifted:  # one image at a time
            ctx_i = ctx_i.unsqueeze(0).expand(n_cls, -1, -1)
            prompts.append(torch.cat([self.token_prefix, ctx_i, self.token_suffix], dim=1))
        return torch.stack(prompts)  # [B, C, L, W]


@pytest.fixture(scope='module')
def voc_model():
    cfg = load('configs/cocoop/cocoop_vit-b16_voc-lt.py')
    return cfg, build_tiny(cfg)


def test_meta_net_and_prompts_equal_release(voc_model):
    cfg, model = voc_model
    head = model.head
    learner = head.prompt_learner
    with torch.no_grad():
        for p in learner.meta_net.parameters():  # away from the init, both ReLU sides
            p.normal_(0.0, 0.5)
    release = ReleasePromptLearner(learner.ctx.detach(), learner.token_prefix,
                                   learner.token_suffix, head.text_encoder.output_dim)
    # our checkpoint keys are the release's (its load_model drops the fixed tokens)
    state = {k: v for k, v in learner.state_dict().items()}
    missing, unexpected = release.load_state_dict(state, strict=False)
    assert set(missing) == {'token_prefix', 'token_suffix'} and not unexpected
    batch = make_batch(cfg, len(cfg.class_names), batch_size=BATCH)
    with torch.no_grad():
        img = model.extract_feat(model.data_preprocessor(batch, True)['inputs'])[0]
        x = F.normalize(img, dim=-1)
        ours = learner(x)  # [B, C, L', W]
        theirs = release(x)  # [B, C, L, W]
        assert ours.shape[:2] == theirs.shape[:2] == (BATCH, len(cfg.class_names))
        assert_close(ours, theirs[:, :, :ours.shape[2]], 'prompts')
        # the release's CustomCLIP: text features image by image over the whole context
        tokens = learner.tokenized_prompts
        logits = torch.stack([
            head.logit_scale.exp() * F.normalize(
                text_features(head.text_encoder, theirs[k], tokens), dim=-1) @ x[k]
            for k in range(BATCH)])
        assert_close(head((img, )), logits, 'logits')


def test_schedule_equals_dassl():
    cfg = load('configs/cocoop/cocoop_vit-b16_coco-lt.py')
    optim_wrapper = build_optim_wrapper(nn.Linear(1, 1), cfg.optim_wrapper)
    schedulers = [PARAM_SCHEDULERS.build(s, default_args=dict(optimizer=optim_wrapper,
                                                              epoch_length=1))
                  for s in cfg.param_scheduler]
    lrs = []
    for _ in range(cfg.train_cfg.max_epochs):
        lrs.append(optim_wrapper.optimizer.param_groups[0]['lr'])
        for s in schedulers:
            s.step()
    # Dassl: epoch 0 at WARMUP_CONS_LR, then CosineAnnealingLR(T_max=MAX_EPOCH) recounted
    dassl = [1e-5] + [0.002 * (1 + math.cos(math.pi * (e - 1) / 10)) / 2 for e in range(1, 10)]
    assert lrs == pytest.approx(dassl, rel=1e-9)
