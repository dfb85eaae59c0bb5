# HP-DVAL stage 2 (HPT) on the VOC2007 few-shot base classes: student frozen (from
# stage 1, loaded by tools/fewshot.py), global/local 4-token contexts, L_sc; AdamW lr
# 5e-6, 10 epochs (paper, Section IV-A) with the asymmetric loss.
_base_ = ['./hpdval-base-stage1_vit-b16_voc2007-fs.py']
method_name = 'HP-DVAL stage 2 (base classes)'
model = dict(
    backbone=dict(init_cfg=None),
    freeze_student=True,
    teacher=None,
    head=dict(
        type='HPTHead',
        global_prompt_learner=dict(n_ctx=4, csc=False, ctx_init=None, init_std=0.02),
        local_prompt_learner=dict(n_ctx=4, csc=False, ctx_init=None, init_std=0.02),
        sc_weight=1.0))
optim_wrapper = dict(_delete_=True, optimizer=dict(type='AdamW', lr=5e-6, weight_decay=1e-4))
param_scheduler = dict(_delete_=True, type='CosineAnnealingLR', by_epoch=True, T_max=10,
                       eta_min=0.0, convert_to_iter_based=True)
train_cfg = dict(max_epochs=10, val_interval=10)
