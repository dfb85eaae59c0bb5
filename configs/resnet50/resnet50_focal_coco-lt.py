# Focal-loss baseline of the DB-loss paper on COCO-LT: as ERM with the focal modulation
# balance_param * (1 - p_t)^2 on the BCE terms
# (configs/_base_/methods/dbloss_baselines.py).
_base_ = ['./resnet50_erm_coco-lt.py']
method_name = 'Focal'

model = dict(
    head=dict(loss=dict(_base_.focal_loss, _delete_=True,
                        loss_weight=1.0 / _base_.num_classes)))
