# HP-DVAL stage 2 (HPT, hierarchical prompt tuning) on COCO-LT (Huang et al., HP-DVAL, Sec. III): the
# stage-1 student (backbone + embedding head) frozen and loaded from stage 1's final
# checkpoint; global and local prompt contexts (4 tokens each, shared by all classes,
# N(0, 0.02) init) score the global and the local view; loss DB* + L_sc, the L1
# distance of the learned global prompts' text features to those of
# 'a photo of a {class}.'. AdamW lr 5e-6, 10 epochs, batch 32.
#
# Run stage 1 first with its default work dir:
#   python tools/train.py configs/hpdval/hpdval-stage1_vit-b16_coco-lt.py
#   python tools/train.py configs/hpdval/hpdval-stage2_vit-b16_coco-lt.py
# (with another stage-1 work dir: --cfg-options load_from=<dir>/epoch_20.pth).
_base_ = ['./hpdval-stage1_vit-b16_coco-lt.py']
method_name = 'HP-DVAL'

# Stage 1's last checkpoint: the student's weights (backbone.*, neck.*); the prompts
# are new (reported as missing keys when loading, as expected).
load_from = 'work_dirs/hpdval-stage1_vit-b16_coco-lt/epoch_20.pth'

model = dict(
    # The student comes from `load_from`, not from ImageNet weights.
    backbone=dict(init_cfg=None),
    freeze_student=True,
    teacher=None,
    head=dict(
        type='HPTHead',
        global_prompt_learner=dict(n_ctx=4, csc=False, ctx_init=None, init_std=0.02),
        local_prompt_learner=dict(n_ctx=4, csc=False, ctx_init=None, init_std=0.02),
        sc_weight=1.0))

# Stage 2 recipe: AdamW lr 5e-6 (weight decay as stage 1), 10 epochs, cosine.
optim_wrapper = dict(optimizer=dict(lr=5e-6))
param_scheduler = dict(T_max=10)
train_cfg = dict(max_epochs=10)
