# Focal-loss baseline of the DB-loss paper on VOC-LT: as ERM with the focal modulation
# balance_param * (1 - p_t)^2 on the BCE terms.
_base_ = ['./resnet50_erm_voc-lt.py']
method_name = 'Focal'

model = dict(
    head=dict(
        loss=dict(
            _delete_=True,
            type='DistributionBalancedLoss',
            reweight_func=None,
            focal=dict(focal=True, balance_param=2.0, gamma=2),
            logit_reg=dict(),
            loss_weight=1.0 / _base_.num_classes)))
