# HP-DVAL, multi-label few-shot on the offline world: base stages 1 (DVAL) and 2 (HPT)
# on the 14 base classes, then per episode the student (backbone + embedding neck)
# adapted on the support set with the published evaluation's recipe (global/local
# prompts and text encoder frozen; AdamW lr 1e-5, betas (0.9, 0.9), wd 1e-4, constant lr,
# as configs/_base_/schedules/fewshot_adapt_adamw.py).
_base_ = ['./base/hpdval-stage2-base_synth-vit_synth-fs.py']
method_name = 'HP-DVAL'
model = dict(freeze_student=False,
             head=dict(classes=_base_.novel_classes, loss=_base_.asl_loss))
train_dataloader = _base_.support_dataloader
val_dataloader = None
val_evaluator = None
optim_wrapper = dict(_delete_=True, optimizer=dict(
    type='AdamW', lr=1e-5, betas=(0.9, 0.9), eps=1e-8, weight_decay=1e-4))
param_scheduler = None
# Offline: 5 of the published 150 epochs (see coop_synth-vit_synth-fs.py).
train_cfg = dict(_delete_=True, by_epoch=True, max_epochs=5, val_interval=1000)
val_cfg = None
fewshot = dict(base_stages=['base/hpdval-stage1-base_synth-vit_synth-fs.py',
                            'base/hpdval-stage2-base_synth-vit_synth-fs.py'],
               adapt=True, frozen_modules=['head'], map_key='fewshot/mAP')
