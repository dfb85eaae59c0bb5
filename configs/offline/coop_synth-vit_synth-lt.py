# CoOp (DB loss) on the offline world: 4 shared context tokens initialised from the
# zero-shot prompt's words, the DB loss alone.
# Chosen on the validation split (lt_val.txt) by `make select` (tools/select_offline.py,
# work_dirs/selection/selection.md): the same 16 trials (seed 0) for every prompt method -
# lr {1.25e-4, 5e-4, 2e-3, 8e-3} x clipping {global norm 0.1, 1.0, none}, one clipping
# rule for all (norm 1.0: best mean over methods), then 4 trials of the method's knobs.
_base_ = [
    '../_base_/models/clip_synth-vit.py', '../_base_/datasets/synthetic_lt.py',
    '../_base_/schedules/offline_prompt_bs32_20e.py', '../_base_/default_runtime.py'
]
method_name = 'CoOp'

# Chosen: lr 1.25e-4, then 10 epochs and weight decay 5e-4 among the knobs (10 / 40
# epochs x weight decay 0 / 5e-4; scores: work_dirs/selection/selection.md and the
# README).
optim_wrapper = dict(optimizer=dict(lr=1.25e-4, weight_decay=5e-4),
                     clip_grad=dict(max_norm=1.0))
param_scheduler = dict(T_max=10)
train_cfg = dict(max_epochs=10, val_interval=10)

model = dict(
    head=dict(
        type='CoOpHead',
        classes=_base_.class_names,
        # Context initialised from the zero-shot prompt's words (CoOp's ctx_init).
        prompt_learner=dict(n_ctx=4, csc=False, ctx_init='a photo of a'),
        loss=_base_.db_loss))
# Train on cached frozen-encoder features (both flips of every image, encoded once).
feature_cache = dict(enable=True)
