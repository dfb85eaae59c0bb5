# ASL baseline (Ridnik et al., ICCV 2021) on COCO-LT: ERM's network, sampling and
# schedule with MMPretrain's asymmetric loss (gamma_pos 0, gamma_neg 4, margin 0.05) as
# a mean over B x C (configs/_base_/methods/dbloss_baselines.py).
_base_ = ['./resnet50_erm_coco-lt.py']
method_name = 'ASL'

model = dict(
    head=dict(loss=dict(_base_.asl_loss, _delete_=True,
                        loss_weight=1.0 / _base_.num_classes)))
