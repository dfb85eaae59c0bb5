# HP-DVAL stage 2 (HPT) on the MS-COCO 2014 few-shot base classes: student frozen (from
# stage 1, loaded by tools/fewshot.py), global/local 4-token contexts, L_sc; AdamW lr
# 5e-6, 10 epochs (paper, Section IV-A; configs/_base_/methods/hpdval.py) with the
# asymmetric loss.
_base_ = ['./hpdval-base-stage1_vit-b16_coco2014-fs_paper.py']
method_name = 'HP-DVAL stage 2 (base classes)'
model = _base_.hpt_model
optim_wrapper = dict(_base_.hpt_optim_wrapper, _delete_=True)
param_scheduler = dict(_base_.hpt_param_scheduler, _delete_=True)
train_cfg = dict(max_epochs=10, val_interval=10)
