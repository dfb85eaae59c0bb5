# RW baseline on the offline world: the ERM network and schedule (resnet18_erm_synth-lt.py)
# with BCE re-weighted per class by sqrt(N / n_i) as the DB-loss code weights it
# (configs/resnet50/resnet50_rw_voc-lt.py; the world has VOC-LT's class counts).
# lr and schedule: ERM's, which is also RW's best trial of `make select`'s ResNet grid
# (scores: the selection's selection.md and the README).
_base_ = ['./resnet18_erm_synth-lt.py']
method_name = 'RW'

rw_scale = sum((_base_.num_train_images / n)**0.5
               for n in _base_.train_class_freq) / _base_.num_classes
model = dict(
    head=dict(loss=dict(_base_.rw_loss, _delete_=True,
                        class_freq=_base_.train_class_freq,
                        neg_class_freq=_base_.train_neg_class_freq,
                        loss_weight=rw_scale / _base_.num_classes)))
