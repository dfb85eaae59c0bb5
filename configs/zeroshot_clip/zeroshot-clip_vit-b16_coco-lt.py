# Zero-shot CLIP on COCO-LT with CLIP ViT-B/16 (configs/_base_/methods/zeroshot_clip.py).
_base_ = [
    '../_base_/models/clip_vit-b16.py', '../_base_/datasets/coco_lt.py',
    '../_base_/default_runtime.py', '../_base_/methods/zeroshot_clip.py'
]

model = dict(head=dict(_base_.zeroshot_head, classes=_base_.class_names))
train_dataloader = None
