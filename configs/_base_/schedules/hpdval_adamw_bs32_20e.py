# HP-DVAL stage 1 (DVAL) recipe (the paper, Huang et al.; recipe card in
# configs/hpdval/README.md): AdamW lr 1e-5, weight decay 1e-4, 20 epochs, batch 32. The
# paper names no learning-rate schedule; cosine annealing to 0 (per iteration) never
# looks at the test set. Stage 2 (HPT) configs inherit stage 1 and take the stage-2
# optimiser of configs/_base_/methods/hpdval.py (lr 5e-6, 10 epochs).
optim_wrapper = dict(
    optimizer=dict(type='AdamW', lr=1e-5, weight_decay=1e-4))
param_scheduler = dict(
    type='CosineAnnealingLR', by_epoch=True, T_max=20, eta_min=0.0,
    convert_to_iter_based=True)
# Validation (on the test split, there is no other) is logging only; the result of a
# run is its final epoch, evaluated with tools/test.py.
train_cfg = dict(by_epoch=True, max_epochs=20, val_interval=5)
val_cfg = dict()
test_cfg = dict()
# lr 1e-5 is for a total batch of 32 (`tools/train.py --auto-scale-lr` rescales).
auto_scale_lr = dict(base_batch_size=32)
