# DualCoOp on COCO-LT with CLIP ViT-B/16 - our extension: the DualCoOp release has no
# ViT path (RN50/RN101 only). Its choices (recipe card, configs/dualcoop/README.md): the
# 196 projected patch tokens as regions (no class token), the paper form of the head and
# loss (`dualcoop_head` of configs/_base_/methods/dualcoop.py: shared contexts,
# MMPretrain's ASL averaged over B x C) and LMPT's 224px schedule, so that the ViT
# prompt methods compare under one recipe.
_base_ = [
    '../_base_/models/clip_vit-b16.py', '../_base_/datasets/coco_lt.py',
    '../_base_/schedules/lmpt_bs64_cosine_50e.py', '../_base_/default_runtime.py',
    '../_base_/methods/dualcoop.py'
]

model = dict(
    # The head needs the local tokens (ViT patch tokens / RN attention-pool inputs).
    backbone=dict(return_local=True),
    head=dict(_base_.dualcoop_head, classes=_base_.class_names))
