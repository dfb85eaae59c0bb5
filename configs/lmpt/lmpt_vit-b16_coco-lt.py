# LMPT (Xia et al.) on COCO-LT with CLIP ViT-B/16: class-specific learned prompts
# (16 context tokens, random init), loss lam * DB + (1 - lam) * CSE with lam = 0.5.
_base_ = [
    '../_base_/models/clip_vit-b16.py', '../_base_/datasets/coco_lt.py',
    '../_base_/schedules/lmpt_bs64_cosine_50e.py', '../_base_/default_runtime.py'
]
method_name = 'LMPT'

model = dict(
    head=dict(
        type='LMPTHead',
        classes=_base_.class_names,
        prompt_learner=dict(
            n_ctx=16, csc=True, ctx_init=None, class_token_position='end'),
        # DB loss with the COCO-LT settings of the DB-loss paper (_base_ dataset
        # config); class_freq / neg_class_freq come from the train split
        # (ClassStatsHook).
        loss=_base_.db_loss,
        # CSE loss: margin 0.2 (M_i = 0.2 / n_i^0.25) and gamma 0.2 - the value the
        # official LMPT command line passes - on caption/prompt text features.
        cse_loss=dict(
            type='ClassSpecificEmbeddingLoss', margin=0.2, gamma=0.2, mode='feature'),
        lam=0.5))
