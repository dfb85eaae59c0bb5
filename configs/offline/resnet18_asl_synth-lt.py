# ASL baseline on the offline world: the ERM network and schedule
# (resnet18_erm_synth-lt.py) with MMPretrain's asymmetric loss (gamma_pos 0, gamma_neg 4,
# margin 0.05) as a mean over B x C (configs/resnet50/resnet50_asl_voc-lt.py).
# lr and schedule: ERM's, which is also ASL's best trial of `make select`'s ResNet grid
# (scores: the selection's selection.md and the README).
_base_ = ['./resnet18_erm_synth-lt.py']
method_name = 'ASL'

model = dict(
    head=dict(loss=dict(_base_.asl_loss, _delete_=True,
                        loss_weight=1.0 / _base_.num_classes)))
