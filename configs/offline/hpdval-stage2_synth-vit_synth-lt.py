# HP-DVAL stage 2 (HPT) on the offline world: the stage-1 student frozen (load_from),
# global and local shared 4-token contexts (initialised from 'a photo of a', so L_sc
# starts at 0), DB* + semantic consistency L1; SGD with momentum and the gradient-norm
# clip of the other offline prompt methods (configs/_base_/schedules/
# offline_prompt_bs32_20e.py).
# Chosen on the validation split (lt_val.txt) by `make select` (tools/select_offline.py,
# work_dirs/selection/selection.md): the same 16 trials (seed 0) for every prompt method -
# lr {1.25e-4, 5e-4, 2e-3, 8e-3} x clipping {global norm 0.1, 1.0, none}, one clipping
# rule for all (norm 1.0: best mean over methods), then 4 trials of the method's knobs.
_base_ = ['./hpdval-stage1_synth-vit_synth-lt.py']
method_name = 'HP-DVAL'

# The demo's stage-1 run (configs/suites/offline_demo.py, method HP-DVAL).
load_from = 'work_dirs/demo/hp-dval/hpdval-stage1_synth-vit_synth-lt/epoch_8.pth'

# Chosen: lr 1.25e-4 at alpha 0.6 and local_topk 8 (the knobs' reference; no knob
# trial scored higher; the trials' scores: work_dirs/selection/selection.md and the
# README).
model = dict(freeze_student=True, teacher=None,
             head=dict(_base_.hpt_offline_head, alpha=0.6, local_topk=8))
optim_wrapper = dict(
    _delete_=True,
    optimizer=dict(type='SGD', lr=1.25e-4, momentum=0.9, weight_decay=1e-4),
    clip_grad=dict(max_norm=1.0))
param_scheduler = dict(T_max=20)
train_cfg = dict(max_epochs=20, val_interval=20)
