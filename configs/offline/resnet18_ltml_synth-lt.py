# LTML on the offline world: the ERM network (resnet18_erm_synth-lt.py, half-width
# CIFAR ResNet-18 from scratch) split into a shared trunk (stages 1-3) and two copies of
# stage 4 with their own linear classifiers, trained as configs/ltml/ (BCE per branch,
# cross-branch logit consistency, 32 uniform + 32 class-aware images per step).
# lr and schedule: ERM's, not chosen for LTML on val (see configs/ltml/README.md).
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
        in_channels=256,
        branch_backbone=dict(type='ResNet_CIFAR', depth=18, stem_channels=32,
                             base_channels=32),
        consistency_weight=_base_.ltml_consistency_weight,
        loss=_base_.erm_loss))
train_dataloader = dict(batch_size=64, sampler=dict(_base_.ltml_sampler, _delete_=True))
auto_scale_lr = dict(base_batch_size=64)
