# Prompt tuning on the offline world: SGD with momentum, cosine, 20 epochs of the
# 1,142 train images at batch 32 (CPU minutes). Final-epoch evaluation only.
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=2e-3, momentum=0.9, weight_decay=1e-4))
param_scheduler = dict(
    type='CosineAnnealingLR', by_epoch=True, T_max=20, eta_min=0.0,
    convert_to_iter_based=True)
train_cfg = dict(by_epoch=True, max_epochs=20, val_interval=20)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=32)
