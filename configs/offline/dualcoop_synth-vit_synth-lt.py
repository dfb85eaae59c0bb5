# DualCoOp on the offline world: positive and negative prompts per class, patch-token
# logits aggregated by a spatial softmax, asymmetric loss.
# Selection on the validation split (lt_val.txt; the test split is for the final
# number only):
#   python tools/sweep.py configs/offline/dualcoop_synth-vit_synth-lt.py \
#     --split val --seeds 0 1 2 \
#     --grid optim_wrapper.optimizer.lr=5e-4,2e-3 optim_wrapper.clip_grad.max_norm=0.1,1.0
# Val score: not run yet (README "What was run").
_base_ = [
    '../_base_/models/clip_synth-vit.py', '../_base_/datasets/synthetic_lt.py',
    '../_base_/schedules/offline_prompt_bs32_20e.py', '../_base_/default_runtime.py'
]
method_name = 'DualCoOp'

model = dict(
    backbone=dict(return_local=True),
    head=dict(
        type='DualCoOpHead',
        classes=_base_.class_names,
        # Random contexts (16 tokens): initialising the positive and the negative
        # prompt from the same words would make every logit p - n exactly 0.
        prompt_learner=dict(n_ctx=16, csc=False, ctx_init=None),
        spatial_scale=1.0,
        loss=dict(type='AsymmetricLoss', use_sigmoid=True, gamma_pos=0.0,
                  gamma_neg=4.0, clip=0.05)))
feature_cache = dict(enable=True)
