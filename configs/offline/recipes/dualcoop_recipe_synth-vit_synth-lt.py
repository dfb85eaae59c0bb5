# Recipe smoke: the real DualCoOp recipe (configs/dualcoop/dualcoop_vit-b16_voc-lt.py)
# on the offline world. Changed: model (offline small CLIP), data (synthetic world,
# 32px), cached frozen-encoder features of both flips. Optimiser, schedule, 50 epochs,
# batch 64, prompts (16 shared tokens, random init) and the asymmetric loss are real.
_base_ = [
    '../../_base_/models/clip_synth-vit.py', '../../_base_/datasets/synthetic_lt.py',
    '../../_base_/schedules/lmpt_bs64_cosine_50e.py', '../../_base_/default_runtime.py'
]
method_name = 'DualCoOp'

model = dict(
    backbone=dict(return_local=True),
    head=dict(
        type='DualCoOpHead',
        classes=_base_.class_names,
        prompt_learner=dict(
            n_ctx=16, csc=False, ctx_init=None, class_token_position='end'),
        spatial_scale=0.2,
        loss=dict(
            type='AsymmetricLoss', use_sigmoid=True, gamma_pos=0.0, gamma_neg=4.0,
            clip=0.05)))
train_dataloader = dict(batch_size=64)
feature_cache = dict(enable=True)
