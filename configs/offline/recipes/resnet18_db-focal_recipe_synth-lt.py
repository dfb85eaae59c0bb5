# Recipe smoke: the real DB-Focal recipe (configs/resnet50/resnet50_db-focal_voc-lt.py)
# on the offline world; model and data changed as in resnet18_erm_recipe_synth-lt.py.
# Class-aware sampling with max_i n_i * C / 4 images per epoch, the 500-iteration
# warmup, and the DB-Focal loss (VOC-LT settings, mean over B x C) are real.
_base_ = ['./resnet18_erm_recipe_synth-lt.py']
method_name = 'DB-Focal'

model = dict(
    head=dict(loss=dict(_delete_=True, loss_weight=1.0 / _base_.num_classes,
                        class_freq=_base_.train_class_freq,
                        neg_class_freq=_base_.train_neg_class_freq, **_base_.db_loss)))
train_dataloader = dict(
    sampler=dict(
        _delete_=True,
        type='ClassAwareSampler',
        num_samples=max(_base_.train_class_freq) * _base_.num_classes // 4))
param_scheduler = _base_.class_aware_param_scheduler
