# CoOp, multi-label few-shot on VOC2007: base prompts from coop-base, then per episode
# the CLIP image encoder adapted on the support set with the published evaluation's
# recipe (prompts and text encoder frozen; configs/_base_/schedules/
# fewshot_adapt_adamw.py, batch 64).
_base_ = [
    '../../_base_/models/clip_vit-b16.py', '../../_base_/datasets/voc2007_fewshot.py',
    '../../_base_/schedules/fewshot_adapt_adamw.py', '../../_base_/default_runtime.py',
    '../../_base_/methods/fewshot.py'
]
method_name = 'CoOp'
model = dict(backbone=dict(frozen=False),
             head=dict(_base_.fewshot_coop_head, classes=_base_.novel_classes,
                       loss=_base_.asl_loss))
train_dataloader = _base_.support_dataloader
val_dataloader = None
val_evaluator = None
auto_scale_lr = dict(base_batch_size=64)
fewshot = dict(_base_.fewshot_adapt, base_stages=['coop-base_vit-b16_voc2007-fs.py'])
