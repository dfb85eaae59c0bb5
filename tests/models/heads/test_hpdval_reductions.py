"""HP-DVAL's offline configs reduce exactly to zero-shot CLIP and to CoOp.

- Stage 1 (DVAL) at ``alpha=1``, initialised (residual embedding neck = identity): its
  logits are zero-shot CLIP's, image for image.
- Stage 2 (HPT) reduced to CoOp - no stage 1 (``load_from=None``: the student is the
  initialised copy of CLIP), ``alpha=1`` (no local prompts), ``sc_weight=0``, the DB
  loss (not DB*) - gives CoOp's logits and classification loss on the same batch, and
  the same gradient on the shared context.

Both are built from the real ``configs/offline`` files with the tiny CLIP (seeded
random weights, identical in every module that loads it).
"""
import pytest
import torch
from mmengine.config import Config
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample


OFFLINE = 'configs/offline/{}_synth-vit_synth-lt.py'
CLASSES = ['dog', 'cat', 'car', 'tree']
FREQ = dict(class_freq=[8, 9, 5, 6], neg_class_freq=[8, 7, 11, 10])
TINY = dict(arch='lmpt-tiny-vit', pretrained=None)


def build(name: str, repo_root, **options):
    cfg = Config.fromfile(str(repo_root / OFFLINE.format(name)))
    opts = {'model.backbone.arch': TINY['arch'], 'model.backbone.pretrained': None,
            'model.head.arch': TINY['arch'], 'model.head.pretrained': None,
            'model.head.classes': CLASSES, **options}
    cfg.merge_from_dict(opts)
    model = MODELS.build(cfg.model)
    model.init_weights()
    model.head.set_class_stats(**FREQ)
    return model.eval()


def batch(model, num=6, seed=0):
    gen = torch.Generator().manual_seed(seed)
    imgs = [torch.randint(0, 256, (3, 32, 32), generator=gen).float() for _ in range(num)]
    samples = [DataSample().set_gt_label(sorted({k % 4, (3 * k + 1) % 4}))
               for k in range(num)]
    return model.data_preprocessor(dict(inputs=imgs, data_samples=samples), False)


def test_stage1_at_alpha_1_is_zero_shot_clip(repo_root):
    zero_shot = build('zeroshot-clip', repo_root)
    stage1 = build('hpdval-stage1', repo_root, **{
        'model.head.alpha': 1.0, 'model.head.local_topk': 4,
        'model.teacher.arch': TINY['arch'], 'model.teacher.pretrained': None})
    data = batch(zero_shot)
    with torch.no_grad():
        a = zero_shot(data['inputs'], mode='tensor')
        b = stage1(data['inputs'], mode='tensor')
    assert a.shape == b.shape == (6, 4)
    # two code paths (fused dual-view score vs cosine logits): equal up to float32
    # rounding (measured: at most 1 ulp) ...
    torch.testing.assert_close(b, a, rtol=0, atol=1e-5)
    # ... and the same ranking per class: the same AP, hence zero-shot's mAP exactly
    assert torch.equal(a.argsort(dim=0), b.argsort(dim=0))


def test_stage2_reduced_to_coop_gives_coop_logits_losses_and_gradients(repo_root):
    coop = build('coop', repo_root)
    hpt = build('hpdval-stage2', repo_root, **{
        'load_from': None, 'model.head.alpha': 1.0, 'model.head.sc_weight': 0.0,
        'model.head.loss.variant': 'db'})
    assert hpt.head.local_prompt_learner is None
    torch.testing.assert_close(hpt.head.global_prompt_learner.ctx,
                               coop.head.prompt_learner.ctx, rtol=0, atol=0)
    data = batch(coop)
    with torch.no_grad():
        torch.testing.assert_close(hpt(data['inputs'], mode='tensor'),
                                   coop(data['inputs'], mode='tensor'), rtol=0, atol=0)
    coop.train(), hpt.train()
    loss_c = coop(data['inputs'], data['data_samples'], mode='loss')
    loss_h = hpt(data['inputs'], data['data_samples'], mode='loss')
    # sc_weight=0: no loss_sc; HP-DVAL names its classification term loss_cls
    assert set(loss_c) == {'loss'} and set(loss_h) == {'loss_cls'}
    torch.testing.assert_close(loss_h['loss_cls'], loss_c['loss'], rtol=0, atol=0)
    loss_c['loss'].backward()
    loss_h['loss_cls'].backward()
    torch.testing.assert_close(hpt.head.global_prompt_learner.ctx.grad,
                               coop.head.prompt_learner.ctx.grad, rtol=0, atol=0)
