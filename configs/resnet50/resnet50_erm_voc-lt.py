# ERM baseline of the DB-loss paper on VOC-LT: ImageNet ResNet-50 trained with plain
# binary cross-entropy, uniform image sampling, 224x224 inputs, batch 32. Losses and
# warmup of the four baselines: configs/_base_/methods/dbloss_baselines.py.
_base_ = [
    '../_base_/models/resnet50_multilabel.py', '../_base_/datasets/voc_lt.py',
    '../_base_/schedules/dbloss_bs32_step_8e.py', '../_base_/default_runtime.py',
    '../_base_/methods/dbloss_baselines.py'
]
method_name = 'ERM'

model = dict(
    head=dict(num_classes=_base_.num_classes,
              loss=dict(_base_.erm_loss, loss_weight=1.0 / _base_.num_classes)))
train_dataloader = dict(batch_size=32)
param_scheduler = _base_.uniform_sampling_param_scheduler
