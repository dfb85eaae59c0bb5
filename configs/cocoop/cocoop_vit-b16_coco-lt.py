# CoCoOp on COCO-LT with CLIP ViT-B/16 (configs/_base_/methods/cocoop.py), trained with
# the DB loss as the LMPT code computes it (as the "CoOp (DB loss)" row), on the CoCoOp
# release's schedule (batch 1, 10 epochs). Image features come from the feature cache
# (the image tower is frozen). BCE variant: cocoop-bce_vit-b16_coco-lt.py.
_base_ = [
    '../_base_/models/clip_vit-b16.py', '../_base_/datasets/coco_lt.py',
    '../_base_/schedules/cocoop_bs1_sgd_cosine_10e.py', '../_base_/default_runtime.py',
    '../_base_/methods/cocoop.py'
]

model = dict(
    head=dict(_base_.cocoop_head, classes=_base_.class_names,
              loss=_base_.lmpt_code_db_loss))
train_dataloader = dict(batch_size=1)
feature_cache = dict(enable=True)
