# DualCoOp on VOC-LT with CLIP ViT-B/16 (configs/_base_/methods/dualcoop.py).
_base_ = [
    '../_base_/models/clip_vit-b16.py', '../_base_/datasets/voc_lt.py',
    '../_base_/schedules/lmpt_bs64_cosine_50e.py', '../_base_/default_runtime.py',
    '../_base_/methods/dualcoop.py'
]

model = dict(
    # The head needs the local tokens (ViT patch tokens / RN attention-pool inputs).
    backbone=dict(return_local=True),
    head=dict(_base_.dualcoop_head, classes=_base_.class_names))
