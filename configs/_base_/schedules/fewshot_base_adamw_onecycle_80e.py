# Few-shot base training of the published code (HP-DVAL fsl_runner.py): AdamW lr 1e-5,
# weight decay 1e-4 except biases and norms (its add_weight_decay), OneCycleLR to
# max_lr 1e-5 with 10% warm-up over 80 epochs, batch 32. The script runs up to 120
# epochs and keeps the best base-test epoch; we train the 80 scheduled epochs and keep
# the last (no selection on a test set).
optim_wrapper = dict(
    optimizer=dict(type='AdamW', lr=1e-5, weight_decay=1e-4),
    paramwise_cfg=dict(norm_decay_mult=0.0, bias_decay_mult=0.0))
# The cycle peaks at the optimizer's lr (so --auto-scale-lr scales it too).
param_scheduler = dict(type='OneCycleLRFromOptimizer', pct_start=0.1, by_epoch=True,
                       begin=0, end=80, convert_to_iter_based=True)
train_cfg = dict(by_epoch=True, max_epochs=80, val_interval=80)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=32)
