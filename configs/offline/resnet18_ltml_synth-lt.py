# LTML on the offline world: the ERM network (resnet18_erm_synth-lt.py, quarter-width
# CIFAR ResNet-18 from scratch) split into a shared trunk (stages 1-3) and two copies of
# stage 4 with their own linear classifiers, trained as configs/ltml/ (logit-compensated
# BCE per branch, cross-branch logit consistency, 32 uniform + 32 class-aware images per
# step).
# Chosen on the validation split by `make select`'s ResNet grid (SGD lr {0.0125, 0.05,
# 0.2, 0.8} x {8, 12} epochs of cosine decay, seed 0; scores:
# work_dirs/selection/selection.md, README): lr 0.05, 12 epochs. The real recipe's
# clipping at global norm 35 is kept (without it the logit consistency grows without
# bound at ERM's lr).
_base_ = ['./resnet18_erm_synth-lt.py', '../_base_/methods/ltml.py']
method_name = 'LTML'

model = dict(
    # the shared trunk: stages 1-3 (the branches hold stage 4)
    backbone=dict(num_stages=3, out_indices=(2, ), strides=(1, 2, 2),
                  dilations=(1, 1, 1)),
    neck=None,
    head=dict(
        _delete_=True,
        type='LTMLHead',
        num_classes=_base_.num_classes,
        in_channels=128,
        branch_backbone=dict(type='ResNet_CIFAR', depth=18, stem_channels=16,
                             base_channels=16),
        consistency_weight=_base_.ltml_consistency_weight,
        loss=dict(type='LogitCompensatedBCELoss', num_classes=_base_.num_classes)))
optim_wrapper = dict(optimizer=dict(lr=0.05), clip_grad=dict(max_norm=35, norm_type=2),
                     paramwise_cfg=_base_.ltml_paramwise_cfg)
train_dataloader = dict(batch_size=64, sampler=dict(_base_.ltml_sampler, _delete_=True))
auto_scale_lr = dict(base_batch_size=64)
