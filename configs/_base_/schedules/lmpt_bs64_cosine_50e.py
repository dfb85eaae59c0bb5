# LMPT's recipe (the published code: `train.sh --optimizer sgd --lr 5e-4 --batch_size 64
# --epochs 50`, `train.py`'s SGD momentum 0.9, weight decay 1e-4; recipe card in
# configs/lmpt/README.md): SGD lr 5e-4, momentum 0.9, weight decay 1e-4, batch 64,
# 50 epochs. The public LMPT code schedules the learning rate on test mAP; a cosine
# schedule never looks at the test set. Only the prompt contexts require grad (the
# CLIP towers are frozen), so the optimizer holds nothing else.
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=5e-4, momentum=0.9, weight_decay=1e-4))
param_scheduler = dict(
    type='CosineAnnealingLR', by_epoch=True, T_max=50, eta_min=0.0,
    convert_to_iter_based=True)
# Validation (on the test split, there is no other) is logging only; the result of a
# run is its final epoch, evaluated with tools/test.py.
train_cfg = dict(by_epoch=True, max_epochs=50, val_interval=10)
val_cfg = dict()
test_cfg = dict()
# lr 5e-4 is for a total batch of 64 (`tools/train.py --auto-scale-lr` rescales).
auto_scale_lr = dict(base_batch_size=64)
