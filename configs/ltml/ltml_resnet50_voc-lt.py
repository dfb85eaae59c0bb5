# LTML on VOC-LT (configs/_base_/methods/ltml.py): ImageNet ResNet-50 trunk (stages 1-3,
# stage 1 frozen) and two ImageNet-initialised copies of stage 4, trained with the
# logit-compensated BCE per branch and the cross-branch logit consistency on the ResNet-50 baselines' recipe (SGD
# lr 0.02, 8 epochs, configs/resnet50/README.md), each step on 32 uniform + 32
# class-aware images.
_base_ = [
    '../_base_/models/resnet50_multilabel.py', '../_base_/datasets/voc_lt.py',
    '../_base_/schedules/dbloss_bs32_step_8e.py', '../_base_/default_runtime.py',
    '../_base_/methods/dbloss_baselines.py', '../_base_/methods/ltml.py'
]
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
        in_channels=2048,
        branch_backbone=dict(type='ResNet', depth=50, style='pytorch'),
        branch_checkpoint=_base_.model.backbone.init_cfg.checkpoint,
        consistency_weight=_base_.ltml_consistency_weight,
        # the paper's Eq. 2, a mean over B x C; each branch its own compensation
        loss=dict(type='LogitCompensatedBCELoss', num_classes=_base_.num_classes)))
optim_wrapper = dict(paramwise_cfg=_base_.ltml_paramwise_cfg)
train_dataloader = dict(batch_size=64, sampler=dict(_base_.ltml_sampler, _delete_=True))
# An epoch is ceil(N / 32) steps (the uniform halves cover the train split once), as
# ERM's: its 1-epoch warmup.
param_scheduler = _base_.uniform_sampling_param_scheduler
auto_scale_lr = dict(base_batch_size=64)
