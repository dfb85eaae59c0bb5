# Recipe smoke: the real ERM recipe (configs/resnet50/resnet50_erm_voc-lt.py, the
# DB-loss paper's) on the offline world. Changed: the model (the offline quarter-width
# CIFAR ResNet-18 from scratch; no ImageNet ResNet-50 offline) and the data (synthetic
# world, 32px). SGD lr 0.02, momentum 0.9, weight decay 1e-4, clipping at norm 35, 8
# epochs with steps at 5 and 7 and a 1-epoch linear warmup from lr/3, batch 32, BCE as
# a mean over B x C are real.
_base_ = ['../resnet18_erm_synth-lt.py']
method_name = 'ERM'

# configs/_base_/schedules/dbloss_bs32_step_8e.py, with ERM's 1-epoch warmup
# (configs/_base_/methods/dbloss_baselines.py)
optim_wrapper = dict(
    _delete_=True,
    optimizer=dict(type='SGD', lr=0.02, momentum=0.9, weight_decay=1e-4),
    clip_grad=dict(max_norm=35, norm_type=2))
train_cfg = dict(max_epochs=8, val_interval=8)
param_scheduler = _base_.uniform_sampling_param_scheduler
train_dataloader = dict(batch_size=32)
