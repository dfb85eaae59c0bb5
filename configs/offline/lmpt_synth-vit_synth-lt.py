# LMPT on the offline world: 16 class-specific context tokens, lam * DB + (1 - lam) *
# CSE (margin 0.2, gamma 0.2) on the captions of the train split.
# Selection on the validation split (lt_val.txt; the test split is for the final
# number only):
#   python tools/sweep.py configs/offline/lmpt_synth-vit_synth-lt.py \
#     --split val --seeds 0 1 2 \
#     --grid model.head.prompt_learner.csc=True,False model.head.cse_loss.loss_weight=1,10
# Val mAP as configured: 28.11 (seed 0; 300-step small CLIP, README "What was run");
# best of the grid above (run with --seeds 0): 28.13 (CSE loss_weight 10), +0.02.
_base_ = [
    '../_base_/models/clip_synth-vit.py', '../_base_/datasets/synthetic_lt.py',
    '../_base_/schedules/offline_prompt_bs32_20e.py', '../_base_/default_runtime.py'
]
method_name = 'LMPT'

model = dict(
    head=dict(
        type='LMPTHead',
        classes=_base_.class_names,
        # Class-specific contexts, each initialised from the zero-shot prompt's words.
        prompt_learner=dict(n_ctx=4, csc=True, ctx_init='a photo of a'),
        loss=_base_.db_loss,
        cse_loss=dict(
            type='ClassSpecificEmbeddingLoss', margin=0.2, gamma=0.2, mode='feature'),
        lam=0.5))
feature_cache = dict(enable=True)
