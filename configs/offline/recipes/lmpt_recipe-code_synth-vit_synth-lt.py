# Recipe smoke: the real LMPT recipe (configs/lmpt/lmpt_vit-b16_voc-lt.py, the published
# code's update) on the offline world. Changed from the real config, and only these:
# the model (the offline small CLIP instead of ViT-B/16), the data (the synthetic world
# with VOC-LT's class counts, 32px) and training on cached frozen-encoder features of
# both flips (the flip augmentation, computed once). Optimiser (SGD lr 5e-4, momentum
# 0.9, weight decay 1e-4, no clipping), cosine schedule, 50 epochs, batch 64, prompts
# (16 class-specific tokens, N(0, 0.02)) and losses (the code's DB and CSE conventions)
# are the real ones. See docs/recipes.md.
_base_ = [
    '../../_base_/models/clip_synth-vit.py', '../../_base_/datasets/synthetic_lt.py',
    '../../_base_/schedules/lmpt_bs64_cosine_50e.py', '../../_base_/default_runtime.py'
]
method_name = 'LMPT'

model = dict(
    head=dict(
        type='LMPTHead',
        classes=_base_.class_names,
        prompt_learner=dict(
            n_ctx=16, csc=True, ctx_init=None, class_token_position='end',
            init_std=0.02),
        # the world has VOC-LT's counts and the DB-loss paper's VOC-LT settings; as
        # the LMPT code computes the DB loss (focal factor from the batch-mean BCE)
        loss=dict(
            _base_.db_loss,
            focal=dict(focal=True, balance_param=2.0, gamma=2, pt_mode='batch_mean')),
        cse_loss=dict(
            type='ClassSpecificEmbeddingLoss', margin=0.2, gamma=0.2, mode='token',
            m_ctx=2, avg_factor=None),
        lam=0.5))
train_dataloader = dict(batch_size=64)
feature_cache = dict(enable=True)
