# CoOp, multi-label few-shot on MS-COCO 2014: base prompts from coop-base, then per episode
# the CLIP image encoder adapted on the support set with the published evaluation's
# recipe (prompts and text encoder frozen; configs/_base_/schedules/fewshot_adapt_adamw.py).
_base_ = [
    '../../_base_/models/clip_vit-b16.py', '../../_base_/datasets/coco2014_fewshot.py',
    '../../_base_/schedules/fewshot_adapt_adamw.py', '../../_base_/default_runtime.py'
]
method_name = 'CoOp'
model = dict(backbone=dict(frozen=False),
             head=dict(type='CoOpHead', classes=_base_.novel_classes,
                       prompt_learner=dict(n_ctx=16, csc=False, ctx_init=None),
                       loss=_base_.asl_loss))
train_dataloader = _base_.support_dataloader
val_dataloader = None
val_evaluator = None
auto_scale_lr = dict(base_batch_size=64)
fewshot = dict(base_stages=['coop-base_vit-b16_coco2014-fs.py'], adapt=True,
               frozen_modules=['head'], map_key='fewshot/mAP')
