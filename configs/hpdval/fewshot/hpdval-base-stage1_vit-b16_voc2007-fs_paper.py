# HP-DVAL stage 1 (DVAL) on the VOC2007 few-shot base classes: the LT stage-1 model
# (configs/_base_/models/hpdval_vit-b16.py) with the asymmetric loss and the schedule of
# the published few-shot base training (HP-DVAL fsl_runner.py; recipe card in README.md).
_base_ = [
    '../../_base_/models/hpdval_vit-b16.py',
    '../../_base_/datasets/voc2007_fewshot.py',
    '../../_base_/schedules/fewshot_base_adamw_onecycle_80e.py',
    '../../_base_/default_runtime.py', '../../_base_/methods/hpdval.py'
]
method_name = 'HP-DVAL stage 1 (base classes)'
# The scores enter the loss at the cosine scale (score_scale=1.0), as in the LT
# configs (configs/_base_/methods/hpdval.py, `dval_lt_head`).
model = dict(head=dict(_base_.dval_lt_head, classes=_base_.base_classes,
                       loss=_base_.asl_loss))
