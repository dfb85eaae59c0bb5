# DB-Focal of the DB-loss paper on COCO-LT: class-aware re-sampling, re-balanced weights,
# negative-tolerant regularisation and focal modulation (settings: db_loss in the
# dataset config).
_base_ = ['./resnet50_erm_coco-lt.py']
method_name = 'DB-Focal'

model = dict(
    head=dict(
        loss=dict(
            _delete_=True,
            # Train-split counts from the dataset config (checked against the
            # annotation files by tests/configs): MultiLabelLinearClsHead has no
            # set_class_stats for ClassStatsHook to call.
            class_freq=_base_.train_class_freq,
            neg_class_freq=_base_.train_neg_class_freq,
            loss_weight=1.0 / _base_.num_classes,
            **_base_.db_loss)))

# Class-aware sampling; an epoch draws max_i(n_i) * C / 4 images, the epoch length of
# the DB-loss code's sampler.
train_dataloader = dict(
    sampler=dict(
        _delete_=True,
        type='ClassAwareSampler',
        num_samples=max(_base_.train_class_freq) * _base_.num_classes // 4))

# The paper's schedule, 500-iteration warmup included (epochs are long here).
param_scheduler = [
    dict(type='LinearLR', start_factor=1.0 / 3, by_epoch=False, begin=0, end=500),
    dict(type='MultiStepLR', by_epoch=True, milestones=[5, 7], gamma=0.1, begin=0,
         end=8),
]
