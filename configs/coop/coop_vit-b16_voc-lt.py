# CoOp (Zhou et al., IJCV 2022) on VOC-LT with CLIP ViT-B/16: 16 learned context tokens
# shared by all classes (CoOp's unified context; prompt_learner.csc=True gives
# class-specific ones), trained with the DB loss alone - the "CoOp (DB loss)" baseline
# of the LMPT/HP-DVAL tables - on LMPT's schedule.
_base_ = [
    '../_base_/models/clip_vit-b16.py', '../_base_/datasets/voc_lt.py',
    '../_base_/schedules/lmpt_bs64_cosine_50e.py', '../_base_/default_runtime.py'
]
method_name = 'CoOp'

model = dict(
    head=dict(
        type='CoOpHead',
        classes=_base_.class_names,
        prompt_learner=dict(
            n_ctx=16, csc=False, ctx_init=None, class_token_position='end'),
        # DB loss with the VOC-LT settings of the DB-loss paper; class_freq /
        # neg_class_freq come from the train split (ClassStatsHook).
        loss=_base_.db_loss))
