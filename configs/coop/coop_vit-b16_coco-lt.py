# CoOp on COCO-LT with CLIP ViT-B/16, shared context (configs/_base_/methods/coop.py),
# with the DB loss as the LMPT code computes it (`lmpt/dbl.py`: the DB-loss paper's
# COCO-LT settings, focal factor from the batch-mean BCE, mean over B x C). The
# class-specific form: coop-csc_vit-b16_coco-lt.py.
_base_ = [
    '../_base_/models/clip_vit-b16.py', '../_base_/datasets/coco_lt.py',
    '../_base_/schedules/lmpt_bs64_cosine_50e.py', '../_base_/default_runtime.py',
    '../_base_/methods/coop.py'
]

model = dict(
    head=dict(_base_.coop_head, classes=_base_.class_names,
              loss=_base_.lmpt_code_db_loss))
