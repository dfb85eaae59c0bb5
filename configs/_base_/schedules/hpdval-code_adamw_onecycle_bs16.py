# HP-DVAL's optimiser and schedule as its code runs them (jiexuanyan/hp_dval,
# coco_runner.py / coco_runner_dual.py; sources: configs/hpdval/README.md): AdamW lr
# 1e-5, weight decay 1e-4 on all but the 1-D parameters and biases (`add_weight_decay`),
# torch's OneCycleLR(max_lr=lr, pct_start=0.1) over 80 epochs - the lr from 4e-7 up to
# 1e-5 and down to 4e-11, beta_1 cycled 0.95 -> 0.85 -> 0.95 - stepped per iteration;
# an EMA (decay 0.998) of all weights, evaluated and saved instead of the raw weights;
# batch 16. The stage configs set the epochs actually trained (the cycle is cut short).
optim_wrapper = dict(
    optimizer=dict(type='AdamW', lr=1e-5, weight_decay=1e-4),
    paramwise_cfg=dict(flat_decay_mult=0.0, bias_decay_mult=0.0))
hpdval_code_cycle_epochs = 80
param_scheduler = [
    dict(type='OneCycleLRFromOptimizer', pct_start=0.1, by_epoch=True, begin=0,
         end=hpdval_code_cycle_epochs, convert_to_iter_based=True),
    dict(type='OneCycleMomentum', base_momentum=0.85, max_momentum=0.95, pct_start=0.1,
         by_epoch=True, begin=0, end=hpdval_code_cycle_epochs,
         convert_to_iter_based=True),
]
# Validation (on the test split, there is no other) is logging only; the result of a
# run is its final epoch (the EMA weights), evaluated with tools/test.py.
train_cfg = dict(by_epoch=True, max_epochs=hpdval_code_cycle_epochs, val_interval=10)
val_cfg = dict()
test_cfg = dict()
# lr 1e-5 is for a total batch of 16 (`tools/train.py --auto-scale-lr` rescales).
auto_scale_lr = dict(base_batch_size=16)
