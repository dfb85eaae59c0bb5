# Zero-shot CLIP, multi-label few-shot on the offline world: "a photo of a {class}."
# on the novel classes, no base training and no adaptation (the support sets are not
# used: every episode evaluates the same model, so its std over episodes is 0).
_base_ = [
    '../../_base_/models/clip_synth-vit.py', '../../_base_/datasets/synthetic_fewshot.py',
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
fewshot = dict(base_stages=[], adapt=False, map_key='fewshot/mAP')
