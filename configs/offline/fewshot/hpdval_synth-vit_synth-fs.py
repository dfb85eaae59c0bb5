# HP-DVAL, multi-label few-shot on the offline world: base stages 1 (DVAL) and 2 (HPT)
# on the 14 base classes, then per episode the stage-2 model's student (backbone +
# embedding neck) adapted on the support set with the published evaluation's recipe
# (global/local prompts and text encoder frozen; AdamW lr 1e-5, betas (0.9, 0.9), wd
# 1e-4, constant lr: configs/_base_/schedules/fewshot_adapt_adamw.py).
_base_ = [
    '../../_base_/models/hpdval_synth-vit.py',
    '../../_base_/datasets/synthetic_fewshot.py',
    '../../_base_/schedules/fewshot_adapt_adamw.py', '../../_base_/default_runtime.py',
    '../../_base_/methods/hpdval.py', '../../_base_/methods/fewshot.py'
]
method_name = 'HP-DVAL'
# The offline few-shot demo scores at CLIP's scale (score_scale='clip', x exp(logit_scale)),
# the setting its README figures were measured with; the real few-shot configs use 1.0.
model = dict(freeze_student=False, teacher=None,
             head=dict(_base_.hpt_offline_head, score_scale='clip',
                       classes=_base_.novel_classes, loss=_base_.asl_loss))
train_dataloader = _base_.support_dataloader
val_dataloader = None
val_evaluator = None
# Offline: 5 of the published 150 epochs (see coop_synth-vit_synth-fs.py).
train_cfg = dict(max_epochs=5)
fewshot = dict(_base_.fewshot_adapt,
               base_stages=['base/hpdval-stage1-base_synth-vit_synth-fs.py',
                            'base/hpdval-stage2-base_synth-vit_synth-fs.py'])
