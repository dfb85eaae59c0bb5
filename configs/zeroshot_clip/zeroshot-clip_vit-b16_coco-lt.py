# Zero-shot CLIP on COCO-LT with CLIP ViT-B/16: prompt "a photo of a {class}.", no
# training. Evaluate with `python tools/test.py CONFIG none`.
_base_ = [
    '../_base_/models/clip_vit-b16.py', '../_base_/datasets/coco_lt.py',
    '../_base_/default_runtime.py'
]
method_name = 'Zero-shot CLIP'

model = dict(
    head=dict(
        type='ZeroShotCLIPHead', classes=_base_.class_names, templates='single'))

# Nothing to train: a test-only config (MMEngine's Runner needs the train entries
# all set or all None).
train_dataloader = None
train_cfg = None
optim_wrapper = None
param_scheduler = None
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=64)
