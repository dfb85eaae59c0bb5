# The CoCoOp release's schedule (configs/trainers/CoCoOp/vit_b16_c4_ep10_batch1_ctxv1.yaml
# of KaiyangZhou/CoOp, with Dassl's defaults): SGD lr 0.002, momentum 0.9, weight decay
# 5e-4, 10 epochs (for batch 1, which the method configs set); the first epoch at a
# constant lr 1e-5, then cosine from 0.002 counted from epoch 1 (Dassl's
# ConstantWarmupScheduler with WARMUP_RECOUNT), stepped once per epoch. Only the context and the meta-network require grad.
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.002, momentum=0.9, weight_decay=5e-4))
# mmengine's ConstantLR restores the lr at its last in-range step: end=2 holds epoch 0
# at 1e-5 and gives epoch 1 the full 0.002 (tests/configs/test_parity_cocoop.py checks
# the per-epoch values against Dassl's).
param_scheduler = [
    dict(type='ConstantLR', factor=1e-5 / 0.002, by_epoch=True, begin=0, end=2),
    dict(type='CosineAnnealingLR', by_epoch=True, T_max=10, eta_min=0.0, begin=1,
         end=11),
]
# Validation (on the test split, there is no other) is logging only; the result of a
# run is its final epoch, evaluated with tools/test.py.
train_cfg = dict(by_epoch=True, max_epochs=10, val_interval=5)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=1)
