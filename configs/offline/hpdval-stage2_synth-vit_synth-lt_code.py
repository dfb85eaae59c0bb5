# HP-DVAL stage 2 (HPT) on the offline world as the HP-DVAL code computes it
# (configs/hpdval/hpdval-stage2_vit-b16_voc-lt.py on the small CLIP; sources:
# configs/hpdval/README.md): the code-form stage 1 (hpdval-stage1_synth-vit_synth-lt_code.py)
# frozen, loaded from its final (EMA) checkpoint; global and local 4-token contexts from
# 'a photo of a' and the two view temperatures learn; the code's DB-focal (no pos_scale
# in stage 2) + L_sc on the local prompts; AdamW, one OneCycle, EMA, batch 16; the code's
# inputs. Offline, ours: the prompt methods' 20 epochs (configs/_base_/schedules/
# offline_prompt_bs32_20e.py); lr and gradient clipping are what `make select`'s
# protocol chooses for it on val (work_dirs/selection/selection.md; the clipping rule
# is the one chosen with the other prompt methods); the EMA keeps the code's horizon
# relative to the run (below).
_base_ = ['./hpdval-stage1_synth-vit_synth-lt_code.py']
method_name = 'HP-DVAL'

# The demo suite's code-form stage-1 run (configs/suites/offline_demo.py).
load_from = 'work_dirs/demo/hp-dval-code-form/hpdval-stage1_synth-vit_synth-lt_code/epoch_8.pth'

# Chosen: lr 1.25e-4 under the clipping rule (global norm 1.0), then alpha 0.25 and
# top-32 among the knobs (scores: work_dirs/selection/selection.md and the README).
# Stage 1's cycle (param_scheduler) spans this run's epochs.
model = dict(
    _base_.hpdval_code_hpt_model,
    head=dict(_base_.hpdval_code_hpt_head, alpha=0.25, local_topk=32,
              loss=dict(logit_reg=dict(pos_scale=1.0))))
optim_wrapper = dict(optimizer=dict(lr=1.25e-4), clip_grad=dict(max_norm=1.0))
train_cfg = dict(max_epochs=20, val_interval=20)
# The code's stage-2 EMA horizon, about 500 of its 49 x 72 steps (14%), over 20 x 72
# steps here: decay 0.995 (horizon 200 steps).
custom_hooks = _base_.custom_hooks[:-1] + [dict(_base_.hpdval_code_ema_hook,
                                                momentum=0.005)]
