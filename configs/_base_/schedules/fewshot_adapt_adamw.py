# Per-episode adaptation of the published few-shot evaluation (HP-DVAL fsl_eval.py):
# AdamW lr 1e-5, betas (0.9, 0.9), eps 1e-8, weight decay 1e-4 on every parameter
# (one group), constant lr, up to 150 epochs (`max_epoch`), batch 64. No validation:
# the last epoch is evaluated (tools/fewshot.py never selects an epoch on the test set).
optim_wrapper = dict(
    optimizer=dict(type='AdamW', lr=1e-5, betas=(0.9, 0.9), eps=1e-8, weight_decay=1e-4))
param_scheduler = None
train_cfg = dict(by_epoch=True, max_epochs=150, val_interval=1000)
val_cfg = None
test_cfg = dict()
