# The DualCoOp release's schedule (configs/dualcoop/README.md): SGD momentum 0.9, weight
# decay 5e-4 (Dassl's defaults, which its train.py passes to torch.optim.SGD), batch 32,
# 50 epochs; one warm-up epoch at the constant lr 1e-5, then cosine from the base lr,
# stepped once per epoch (Dassl's ConstantWarmupScheduler around CosineAnnealingLR with
# T_max = 50, so epoch e >= 1 runs at lr * (1 + cos(pi * (e - 1) / 50)) / 2).
# A config sets `dualcoop_lr` and repeats `optim_wrapper` / `param_scheduler` with it
# (the warm-up is a factor of the base lr in MMEngine: 1e-5 / lr).
dualcoop_lr = 2e-3
dualcoop_warmup_lr = 1e-5
dualcoop_epochs = 50
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=dualcoop_lr, momentum=0.9, weight_decay=5e-4))
# MMEngine's ConstantLR scales epochs [begin, end - 1) and restores the base lr at
# epoch end - 1: end=2 gives the single warm-up epoch 0.
param_scheduler = [
    dict(type='ConstantLR', factor=dualcoop_warmup_lr / dualcoop_lr, by_epoch=True,
         begin=0, end=2),
    dict(type='CosineAnnealingLR', T_max=dualcoop_epochs, eta_min=0.0, by_epoch=True,
         begin=1, end=dualcoop_epochs),
]
# Validation (on the test split, there is no other) is logging only; the result of a
# run is its final epoch (the release keeps its best epoch on test: not done here).
train_cfg = dict(by_epoch=True, max_epochs=dualcoop_epochs, val_interval=10)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=32)
