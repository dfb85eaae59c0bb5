# HP-DVAL stage 2 (HPT) on the offline world: the stage-1 student frozen (load_from),
# global and local shared 4-token contexts, DB* + semantic consistency L1.
_base_ = ['./hpdval-stage1_synth-vit_synth-lt.py']
method_name = 'HP-DVAL'

load_from = 'work_dirs/demo/hpdval-stage1_synth-vit_synth-lt/epoch_8.pth'

model = dict(
    freeze_student=True,
    teacher=None,
    head=dict(
        type='HPTHead',
        global_prompt_learner=dict(n_ctx=4, csc=False, ctx_init=None, init_std=0.02),
        local_prompt_learner=dict(n_ctx=4, csc=False, ctx_init=None, init_std=0.02),
        sc_weight=1.0))
optim_wrapper = dict(optimizer=dict(lr=2e-3))
param_scheduler = dict(T_max=10)
train_cfg = dict(max_epochs=10, val_interval=10)
