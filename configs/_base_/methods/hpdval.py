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
