# HP-DVAL (Huang et al., IEEE TIP): the parts its long-tailed (configs/hpdval/) and
# few-shot (configs/hpdval/fewshot/) configs share, and the offline world's versions of
# them (configs/offline/). Stage 1 (DVAL) is the model of
# configs/_base_/models/hpdval_vit-b16.py (offline: hpdval_synth-vit.py) on the stage-1
# schedule; its configs add the classes and the loss. Stage 2 (HPT, hierarchical prompt
# tuning, Sec. III) is stage 1's model with the pieces below.

# Stage 1 on VOC-LT / COCO-LT: the scores enter DB* as the paper writes them, the
# cosine-scale s_i itself (tau = 1). 'clip' (CLIP's exp(logit_scale) = 100) changes
# what DB* does to the positives (configs/hpdval/README.md); 'learned' trains tau.
dval_lt_head = dict(score_scale=1.0)

# Stage 2 head: global and local prompt contexts (4 tokens each, shared by all classes,
# N(0, 0.02) init) score the global and the local view; loss: stage 1's, plus L_sc, the
# L1 distance of the learned global prompts' text features to those of
# 'a photo of a {class}.' (weight 1).
hpt_head = dict(
    type='HPTHead',
    global_prompt_learner=dict(n_ctx=4, csc=False, ctx_init=None, init_std=0.02),
    local_prompt_learner=dict(n_ctx=4, csc=False, ctx_init=None, init_std=0.02),
    sc_weight=1.0)
# Stage 2 model: the stage-1 student (backbone + embedding head) frozen and loaded from
# stage 1's final checkpoint (`load_from`; tools/fewshot.py for the few-shot base
# stages), no teacher.
hpt_model = dict(
    # The student comes from stage 1, not from ImageNet weights.
    backbone=dict(init_cfg=None),
    freeze_student=True,
    teacher=None,
    head=hpt_head)
# Stage 2 recipe (paper, Sec. IV-A): AdamW lr 5e-6, weight decay 1e-4 (as stage 1), 10
# epochs; cosine annealing to 0 per iteration, as stage 1 (the paper names no schedule).
hpt_optim_wrapper = dict(optimizer=dict(type='AdamW', lr=5e-6, weight_decay=1e-4))
hpt_param_scheduler = dict(
    type='CosineAnnealingLR', by_epoch=True, T_max=10, eta_min=0.0,
    convert_to_iter_based=True)

# The offline world's stage 2 (configs/offline/): both contexts initialised from the
# words 'a photo of a' (so L_sc starts at 0; the HP-DVAL code's `--ctx_init` default).
hpt_offline_head = dict(
    hpt_head,
    global_prompt_learner=dict(n_ctx=4, csc=False, ctx_init='a photo of a'),
    local_prompt_learner=dict(n_ctx=4, csc=False, ctx_init='a photo of a'))

# ---------------------------------------------------------------------------------
# The HP-DVAL code's form (jiexuanyan/hp_dval; the default configs of configs/hpdval/;
# every value's source: configs/hpdval/README.md). Score (`models/prompt_model.py`
# 298-348): raw dot products times a learned temperature per view (exp(3) at the
# start), the local view the top-16 mean over the patch tokens, each view
# L2-normalised over the classes per image, alpha = 0.5 on the local view; the scores
# enter the loss as they are (tau = 1). alpha 0.5 / top-k 16: the evaluation settings
# of the released logs behind the published numbers.
hpdval_code_head = dict(
    similarity='dot', view_log_temperature=3.0, normalize_over_classes=True,
    alpha_weights='local', alpha=0.5, local_topk=16, score_scale=1.0,
    template='a photo of a {}.')
# Stage 2: the stage-1 model (visual and text towers) frozen, loaded from stage 1's
# final checkpoint; global and local 4-token contexts both initialised from 'a photo
# of a' (`--ctx_init` default) and the two temperatures learn; L_sc = the mean L1
# distance of the LOCAL prompts' text features to P_H (`utils/dual_LT_engine_
# grouplr.py` 201).
hpdval_code_hpt_head = dict(
    type='HPTHead', train_text_encoder=False,
    global_prompt_learner=dict(n_ctx=4, csc=False, ctx_init='a photo of a'),
    local_prompt_learner=dict(n_ctx=4, csc=False, ctx_init='a photo of a'),
    sc_weight=1.0, sc_prompts='local')
hpdval_code_hpt_model = dict(freeze_student=True, head=hpdval_code_hpt_head)
# EMA of all weights (ModelEma(decay=0.998), updated after every step from the
# weights training starts with): validation, checkpoints and tools/test.py use it.
hpdval_code_ema_hook = dict(
    type='EMAFromStartHook', ema_type='ExponentialMovingAverage', momentum=0.002,
    update_buffers=True)
# Inputs (`src/data_loader/imagelist.py` 107-116): 224 x 224 resize; training adds
# Cutout (a 112-px square, half the side, at a random centre) then RandAugment; no
# flip. The code's RandAugment comes from the `randaugment` package with its defaults
# (not part of the release); MMPretrain's RandAugment (2 ops of the timm policy) stands
# in for it, and the cutout is filled with grey instead of a random colour.
hpdval_code_meta_keys = ('sample_idx', 'img_path', 'ori_shape', 'img_shape')
hpdval_code_train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(224, 224), interpolation='bilinear'),
    dict(type='Cutout', shape=112, pad_val=128, prob=1.0),
    dict(type='RandAugment', policies='timm_increasing', num_policies=2, total_level=10,
         magnitude_level=9, magnitude_std=0.5, hparams=dict(pad_val=128)),
    dict(type='PackInputs', meta_keys=hpdval_code_meta_keys),
]
hpdval_code_test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(224, 224), interpolation='bilinear'),
    dict(type='PackInputs', meta_keys=hpdval_code_meta_keys),
]
