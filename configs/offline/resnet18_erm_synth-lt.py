# ERM baseline on the offline world, scaled down: a CIFAR-style ResNet-18 of half width
# trained from scratch (no ImageNet weights offline) with BCE, uniform sampling.
# Not selected on the validation split (`make select` covers the prompt methods only):
# the optimiser and schedule below were set once, before the split existed; the ResNets
# are reference rows, run with one seed.
_base_ = [
    '../_base_/datasets/synthetic_lt.py', '../_base_/default_runtime.py',
    '../_base_/methods/dbloss_baselines.py'
]
method_name = 'ERM'

model = dict(
    type='ImageClassifier',
    backbone=dict(type='ResNet_CIFAR', depth=18, stem_channels=32, base_channels=32,
                  num_stages=4, out_indices=(3, )),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='MultiLabelLinearClsHead', num_classes=_base_.num_classes, in_channels=256,
        # BCE; MultiLabelClsHead divides by the batch size only: 1/C restores a mean.
        loss=dict(_base_.erm_loss, loss_weight=1.0 / _base_.num_classes)),
    data_preprocessor=dict(
        type='ClsDataPreprocessor', mean=[127.5] * 3, std=[64.0] * 3, to_rgb=True))

optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.05, momentum=0.9, weight_decay=5e-4))
param_scheduler = dict(
    type='CosineAnnealingLR', by_epoch=True, T_max=15, eta_min=0.0,
    convert_to_iter_based=True)
train_cfg = dict(by_epoch=True, max_epochs=15, val_interval=15)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=32)
