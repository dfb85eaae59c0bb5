# CB-Focal baseline of the DB-loss paper on COCO-LT: focal loss weighted per class by the
# class-balanced term (1 - beta) / (1 - beta^n_i) (Cui et al., CVPR 2019), beta = 0.9.
_base_ = ['./resnet50_erm_coco-lt.py']
method_name = 'CB-Focal'

model = dict(
    head=dict(
        loss=dict(
            _delete_=True,
            type='DistributionBalancedLoss',
            # Train-split counts from the dataset config (checked against the
            # annotation files by tests/configs): MultiLabelLinearClsHead has no
            # set_class_stats for ClassStatsHook to call.
            class_freq=_base_.train_class_freq,
            neg_class_freq=_base_.train_neg_class_freq,
            reweight_func='CB',
            cb_beta=0.9,
            focal=dict(focal=True, balance_param=2.0, gamma=2),
            logit_reg=dict(),
            loss_weight=1.0 / _base_.num_classes)))
