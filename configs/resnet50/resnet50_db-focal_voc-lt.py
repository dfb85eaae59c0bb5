# DB-Focal of the DB-loss paper on VOC-LT: class-aware re-sampling, re-balanced weights,
# negative-tolerant regularisation and focal modulation (settings: db_loss in the
# dataset config; sampler and schedule: configs/_base_/methods/dbloss_baselines.py).
_base_ = ['./resnet50_erm_voc-lt.py']
method_name = 'DB-Focal'

model = dict(
    head=dict(loss=dict(_base_.db_loss, _delete_=True,
                        class_freq=_base_.train_class_freq,
                        neg_class_freq=_base_.train_neg_class_freq,
                        loss_weight=1.0 / _base_.num_classes)))
# max_i(n_i) * C / 4 images per epoch, the epoch length of the DB-loss code's sampler.
train_dataloader = dict(
    sampler=dict(_delete_=True, type='ClassAwareSampler',
                 num_samples=max(_base_.train_class_freq) * _base_.num_classes // 4))
# The paper's 500-iteration warmup (class-aware epochs are long: 122 iterations on
# VOC-LT, 705 on COCO-LT).
param_scheduler = _base_.class_aware_param_scheduler
