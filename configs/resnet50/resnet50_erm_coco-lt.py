# ERM baseline of the DB-loss paper on COCO-LT: ImageNet ResNet-50 trained with plain
# binary cross-entropy, uniform image sampling, 224x224 inputs.
_base_ = [
    '../_base_/models/resnet50_multilabel.py', '../_base_/datasets/coco_lt.py',
    '../_base_/schedules/dbloss_bs32_step_8e.py', '../_base_/default_runtime.py'
]
method_name = 'ERM'

model = dict(
    head=dict(
        num_classes=_base_.num_classes,
        # BCE = the DB loss family with every option off. MultiLabelClsHead passes
        # avg_factor=B (a sum over classes, mean over images); 1 / C restores the
        # DB-loss code's mean over all B * C entries, so lr 0.02 means what it meant
        # there.
        loss=dict(
            type='DistributionBalancedLoss',
            reweight_func=None,
            focal=dict(focal=False),
            logit_reg=dict(),
            loss_weight=1.0 / _base_.num_classes)))

train_dataloader = dict(batch_size=32)

# Uniform sampling gives short epochs (COCO-LT: ceil(N_train / 32) iterations), so the
# paper's 500-iteration warmup would cover most of the 8 epochs: warm up over the first
# epoch instead. The class-aware DB-Focal config keeps the 500 iterations.
param_scheduler = [
    dict(type='LinearLR', start_factor=1.0 / 3, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='MultiStepLR', by_epoch=True, milestones=[5, 7], gamma=0.1, begin=0,
         end=8),
]
