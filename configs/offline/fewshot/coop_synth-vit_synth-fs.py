# CoOp, multi-label few-shot on the offline world: base prompts from
# base/coop-base_synth-vit_synth-fs.py, then per episode the image encoder adapted on
# the support set with the published evaluation's recipe (prompts and text encoder
# frozen; configs/_base_/schedules/fewshot_adapt_adamw.py), 5 epochs offline.
_base_ = [
    '../../_base_/models/clip_synth-vit.py', '../../_base_/datasets/synthetic_fewshot.py',
    '../../_base_/schedules/fewshot_adapt_adamw.py', '../../_base_/default_runtime.py',
    '../../_base_/methods/fewshot.py'
]
method_name = 'CoOp'
model = dict(
    backbone=dict(frozen=False),
    head=dict(type='CoOpHead', classes=_base_.novel_classes,
              prompt_learner=dict(n_ctx=4, csc=False, ctx_init='a photo of a'),
              loss=_base_.asl_loss))
train_dataloader = _base_.support_dataloader
val_dataloader = None
val_evaluator = None
# Offline: 5 of the published 150 epochs, so that the 20 runs per method take CPU
# minutes (a support set is one batch: an epoch is one AdamW step at lr 1e-5).
train_cfg = dict(max_epochs=5)
fewshot = dict(_base_.fewshot_adapt,
               base_stages=['base/coop-base_synth-vit_synth-fs.py'])
