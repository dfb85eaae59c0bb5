# HP-DVAL stage 2 (HPT) on the offline world's base classes: the stage-1 student frozen
# (tools/fewshot.py loads stage 1's final checkpoint), global and local shared 4-token
# contexts from 'a photo of a', L_sc; the offline prompt schedule, as
# configs/offline/hpdval-stage2_synth-vit_synth-lt.py, with the asymmetric loss and 4 of
# its 20 epochs (CPU time of `make fewshot-demo`: the frozen student runs on images).
_base_ = ['./hpdval-stage1-base_synth-vit_synth-fs.py']
method_name = 'HP-DVAL stage 2 (base classes)'

model = dict(freeze_student=True, teacher=None, head=_base_.hpt_offline_head)
optim_wrapper = dict(
    _delete_=True,
    optimizer=dict(type='SGD', lr=5e-4, momentum=0.9, weight_decay=1e-4),
    clip_grad=dict(max_norm=0.1))
param_scheduler = dict(T_max=4)
train_cfg = dict(max_epochs=4, val_interval=4)
