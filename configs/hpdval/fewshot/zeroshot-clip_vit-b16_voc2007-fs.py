# Zero-shot CLIP ViT-B/16 on the VOC2007 novel classes ("a photo of a {class}."): no
# base training, no adaptation; every episode evaluates the same model (std 0).
_base_ = [
    '../../_base_/models/clip_vit-b16.py', '../../_base_/datasets/voc2007_fewshot.py',
    '../../_base_/default_runtime.py', '../../_base_/methods/zeroshot_clip.py'
]
model = dict(head=dict(_base_.zeroshot_head, classes=_base_.novel_classes))
train_dataloader = None
val_dataloader = None
val_evaluator = None
val_cfg = None
fewshot = dict(base_stages=[], adapt=False, map_key='fewshot/mAP')
