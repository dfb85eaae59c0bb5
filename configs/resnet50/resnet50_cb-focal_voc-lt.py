# CB-Focal baseline of the DB-loss paper on VOC-LT: focal loss weighted per class by the
# class-balanced term (1 - beta) / (1 - beta^n_i) (Cui et al., CVPR 2019), beta = 0.9
# (configs/_base_/methods/dbloss_baselines.py), with the train split's counts.
_base_ = ['./resnet50_erm_voc-lt.py']
method_name = 'CB-Focal'

model = dict(
    head=dict(loss=dict(_base_.cb_focal_loss, _delete_=True,
                        class_freq=_base_.train_class_freq,
                        neg_class_freq=_base_.train_neg_class_freq,
                        loss_weight=1.0 / _base_.num_classes)))
