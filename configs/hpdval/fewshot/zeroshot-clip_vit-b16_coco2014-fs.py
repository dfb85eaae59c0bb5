# Zero-shot CLIP ViT-B/16 on the MS-COCO 2014 novel classes ("a photo of a {class}."): no
# base training, no adaptation; every episode evaluates the same model (std 0).
_base_ = [
    '../../_base_/models/clip_vit-b16.py',
    '../../_base_/datasets/coco2014_fewshot.py',
    '../../_base_/default_runtime.py'
]
method_name = 'Zero-shot CLIP'
model = dict(head=dict(type='ZeroShotCLIPHead', classes=_base_.novel_classes,
                       templates='single'))
train_dataloader = None
train_cfg = None
optim_wrapper = None
param_scheduler = None
val_dataloader = None
val_evaluator = None
val_cfg = None
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=64)
fewshot = dict(base_stages=[], adapt=False, map_key='fewshot/mAP')
