# Zero-shot CLIP, multi-label few-shot on the offline world: "a photo of a {class}."
# on the novel classes, no base training and no adaptation (the support sets are not
# used: every episode evaluates the same model, so its std over episodes is 0).
_base_ = [
    '../../_base_/models/clip_synth-vit.py', '../../_base_/datasets/synthetic_fewshot.py',
    '../../_base_/default_runtime.py', '../../_base_/methods/zeroshot_clip.py'
]
model = dict(head=dict(_base_.zeroshot_head, classes=_base_.novel_classes))
train_dataloader = None
val_dataloader = None
val_evaluator = None
val_cfg = None
fewshot = dict(base_stages=[], adapt=False, map_key='fewshot/mAP')
