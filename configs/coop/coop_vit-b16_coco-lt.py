# CoOp (Zhou et al., IJCV 2022) on COCO-LT with CLIP ViT-B/16, **shared context**: 16
# learned context tokens shared by all classes (CoOp's unified context, random N(0, 0.02)
# init), trained with the DB loss alone - the "CoOp (DB loss)" baseline of the LMPT /
# HP-DVAL tables - on LMPT's recipe (one optimiser step as the LMPT code's, which trains
# its CoOp baseline with `--training_method coop`). The class-specific form:
# coop-csc_vit-b16_coco-lt.py. Sources of every value: configs/coop/README.md.
_base_ = [
    '../_base_/models/clip_vit-b16.py', '../_base_/datasets/coco_lt.py',
    '../_base_/schedules/lmpt_bs64_cosine_50e.py', '../_base_/default_runtime.py'
]
method_name = 'CoOp'

model = dict(
    head=dict(
        type='CoOpHead',
        classes=_base_.class_names,
        prompt_learner=dict(
            n_ctx=16, csc=False, ctx_init=None, class_token_position='end',
            init_std=0.02),
        # DB loss as the LMPT code computes it (`lmpt/dbl.py`: the DB-loss paper's
        # COCO-LT settings, focal factor from the batch-mean BCE, mean over B x C); class
        # counts from the train split (ClassStatsHook).
        loss=_base_.lmpt_code_db_loss))
