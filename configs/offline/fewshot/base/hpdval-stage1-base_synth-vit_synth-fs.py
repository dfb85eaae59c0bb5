# HP-DVAL stage 1 (DVAL) on the offline world's 14 base classes: the offline stage-1
# setup (configs/offline/hpdval-stage1_synth-vit_synth-lt.py: the model of
# configs/_base_/models/hpdval_synth-vit.py, L1 KD, AdamW 1e-4, 8 epochs) with the
# asymmetric loss of the published few-shot base training (HP-DVAL fsl_runner.py)
# instead of DB*, and 2 of the 8 epochs (CPU time of `make fewshot-demo`: the student
# trains on images).
_base_ = [
    '../../../_base_/models/hpdval_synth-vit.py',
    '../../../_base_/datasets/synthetic_fewshot.py',
    '../../../_base_/default_runtime.py', '../../../_base_/methods/hpdval.py'
]
method_name = 'HP-DVAL stage 1 (base classes)'

# CLIP's scale, as the offline few-shot demo was measured (../hpdval_synth-vit_synth-fs.py).
model = dict(head=dict(score_scale='clip', classes=_base_.base_classes,
                       loss=_base_.asl_loss))
optim_wrapper = dict(optimizer=dict(type='AdamW', lr=1e-4, weight_decay=1e-4))
param_scheduler = dict(type='CosineAnnealingLR', by_epoch=True, T_max=2, eta_min=0.0,
                       convert_to_iter_based=True)
train_cfg = dict(by_epoch=True, max_epochs=2, val_interval=2)
val_cfg = dict()
test_cfg = dict()
