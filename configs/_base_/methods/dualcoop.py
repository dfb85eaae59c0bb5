# DualCoOp (Sun et al., NeurIPS 2022): a positive and a negative learned prompt per class
# (16 context tokens each), region logits aggregated per class by a spatial softmax,
# 2-way softmax of the positive and negative logits, asymmetric loss. Two forms
# (recipe card: configs/dualcoop/README.md):
#
# - `dualcoop_release_*`: what the DualCoOp release (sunxm2357/DualCoOp) computes for
#   RN50 - class-specific contexts, the 50-region set (the attention pool's mean token
#   and the 7x7 positions; 1 + 14x14 at 448px), ASL gamma_neg 2 / gamma_pos 1 with the
#   focal weight detached, summed and scaled by loss_w, 448px inputs with Cutout and
#   RandAugment, SGD with one warm-up epoch then cosine (dualcoop_rn50_*.py).
# - `dualcoop_head`: the paper form we shipped first - shared contexts, MMPretrain's ASL
#   (gamma_neg 4 / gamma_pos 0, differentiated focal weight, mean over B x C), LMPT's
#   224px schedule (dualcoop_rn50_*_paper.py and the ViT-B/16 configs).
method_name = 'DualCoOp'

dualcoop_head = dict(
    type='DualCoOpHead',
    prompt_learner=dict(n_ctx=16, csc=False, ctx_init=None, class_token_position='end'),
    # DualCoOp code (models/dualcoop.py): the spatial softmax runs on 20 * cos and the
    # aggregated logits are scaled by 5 (100 * cos overall). Our region logits are
    # exp(logit_scale) * cos = 100 * cos with OpenAI's weights, so 0.2 gives its 20 * cos.
    spatial_scale=0.2,
    loss=dict(
        type='AsymmetricLoss', use_sigmoid=True, gamma_pos=0.0, gamma_neg=4.0, clip=0.05))

# The release's loss weight `--loss_w` (opts.py default 1.0; its README sets other values
# only for partial labels).
dualcoop_release_loss_w = 1.0
dualcoop_release_head = dict(
    type='DualCoOpHead',
    # class-specific contexts (--csc in the README's training command), N(0, 0.02)
    prompt_learner=dict(n_ctx=16, csc=True, ctx_init=None, class_token_position='end'),
    spatial_scale=0.2,
    loss=dict(
        type='DetachableAsymmetricLoss', use_sigmoid=True, gamma_pos=1.0, gamma_neg=2.0,
        clip=0.05, eps=1e-6, detach_focal_weight=True, reduction='sum',
        loss_weight=dualcoop_release_loss_w))
# RN50 region features as the release forms them: mean token + positions, the pool's
# positional embedding resized bicubically to the 448px map (14x14).
dualcoop_release_backbone = dict(
    return_local=True, resnet_regions='mean_and_positions',
    resnet_pos_interpolation='bicubic')

# 448px square resize (torchvision's default bilinear on PIL images), Cutout of half the
# side, RandAugment, no flip; test: the 448px resize only.
dualcoop_release_size = 448
dualcoop_meta_keys = ('sample_idx', 'img_path', 'ori_shape', 'img_shape', 'scale_factor',
                      'caption')
dualcoop_release_train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(dualcoop_release_size, dualcoop_release_size),
         interpolation='bilinear', backend='pillow'),
    dict(type='Cutout', shape=dualcoop_release_size // 2, pad_val=128, prob=1.0),
    dict(type='RandAugment', policies='timm_increasing', num_policies=2, total_level=10,
         magnitude_level=9, magnitude_std='inf', hparams=dict(pad_val=128)),
    dict(type='PackInputs', meta_keys=dualcoop_meta_keys),
]
dualcoop_release_test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(dualcoop_release_size, dualcoop_release_size),
         interpolation='bilinear', backend='pillow'),
    dict(type='PackInputs', meta_keys=dualcoop_meta_keys),
]
