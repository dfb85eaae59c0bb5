# Zero-shot CLIP on the offline world: "a photo of a {class}." through the small CLIP
# of tools/pretrain_clip.py, no training (`tools/test.py CONFIG none`).
_base_ = [
    '../_base_/models/clip_synth-vit.py', '../_base_/datasets/synthetic_lt.py',
    '../_base_/default_runtime.py'
]
method_name = 'Zero-shot CLIP'

model = dict(
    head=dict(type='ZeroShotCLIPHead', classes=_base_.class_names, templates='single'))

train_dataloader = None
train_cfg = None
optim_wrapper = None
param_scheduler = None
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=32)
