# Recipe smoke: the real shared-context CoOp recipe (configs/coop/coop_vit-b16_voc-lt.py)
# on the offline world. Changed: model (offline small CLIP), data (synthetic world,
# 32px), cached frozen-encoder features of both flips. Optimiser, schedule, 50 epochs,
# batch 64, 16 shared N(0, 0.02) context tokens and the LMPT code's DB loss are real.
_base_ = [
    '../../_base_/models/clip_synth-vit.py', '../../_base_/datasets/synthetic_lt.py',
    '../../_base_/schedules/lmpt_bs64_cosine_50e.py', '../../_base_/default_runtime.py'
]
method_name = 'CoOp'

model = dict(
    head=dict(
        type='CoOpHead',
        classes=_base_.class_names,
        prompt_learner=dict(
            n_ctx=16, csc=False, ctx_init=None, class_token_position='end',
            init_std=0.02),
        loss=dict(
            _base_.db_loss,
            focal=dict(focal=True, balance_param=2.0, gamma=2, pt_mode='batch_mean'))))
train_dataloader = dict(batch_size=64)
feature_cache = dict(enable=True)
