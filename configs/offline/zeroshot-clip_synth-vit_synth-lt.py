# Zero-shot CLIP on the offline world: "a photo of a {class}." through the small CLIP
# of tools/pretrain_clip.py, no training (`tools/test.py CONFIG none`).
_base_ = [
    '../_base_/models/clip_synth-vit.py', '../_base_/datasets/synthetic_lt.py',
    '../_base_/default_runtime.py', '../_base_/methods/zeroshot_clip.py'
]

model = dict(head=dict(_base_.zeroshot_head, classes=_base_.class_names))
train_dataloader = None
auto_scale_lr = dict(base_batch_size=32)
