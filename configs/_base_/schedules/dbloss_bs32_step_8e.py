# The DB-loss paper's ResNet-50 recipe (Wu et al., ECCV 2020; their VOC-LT/COCO-LT
# configs): SGD lr 0.02, momentum 0.9, weight decay 1e-4, gradient clipping at norm 35,
# 8 epochs with the lr divided by 10 after epochs 5 and 7, linear warmup over 500
# iterations from lr / 3; 32 images per batch.
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.02, momentum=0.9, weight_decay=1e-4),
    clip_grad=dict(max_norm=35, norm_type=2))
param_scheduler = [
    dict(type='LinearLR', start_factor=1.0 / 3, by_epoch=False, begin=0, end=500),
    dict(type='MultiStepLR', by_epoch=True, milestones=[5, 7], gamma=0.1, begin=0,
         end=8),
]
# Validation (on the test split, there is no other) is logging only; the result of a
# run is its final epoch, evaluated with tools/test.py.
train_cfg = dict(by_epoch=True, max_epochs=8, val_interval=4)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=32)
