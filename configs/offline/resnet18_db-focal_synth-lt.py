# DB-Focal baseline on the offline world: the ERM network with class-aware sampling
# and the DB-Focal loss (DB-loss paper's VOC-LT settings; the world has VOC-LT's
# class counts). The counts are the world's train split (ClassStatsHook sets
# them again from the train data before training).
# lr and schedule: ERM's (`make select`, the ResNets' shared 8-trial grid), which is
# also DB-Focal's own best trial of that grid (scores: work_dirs/selection/selection.md
# and the README).
_base_ = ['./resnet18_erm_synth-lt.py']
method_name = 'DB-Focal'

model = dict(
    head=dict(loss=dict(_delete_=True, loss_weight=1.0 / _base_.num_classes,
                        class_freq=_base_.train_class_freq,
                        neg_class_freq=_base_.train_neg_class_freq, **_base_.db_loss)))
# As many draws per epoch as the train split has images (the sampler's default).
train_dataloader = dict(sampler=dict(_delete_=True, type='ClassAwareSampler'))
