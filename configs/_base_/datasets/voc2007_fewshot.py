# HP-DVAL's multi-label few-shot split of PASCAL VOC 2007 (Huang et al., IEEE TIP,
# Section IV-A.2 / Table II): 14 base / 6 novel classes, the released CSV files
# (classification_*.csv; configs/hpdval/fewshot/README.md says where they come from) in
# `data_root/fewshot/voc`, images in `data_root/VOCdevkit/VOC2007/JPEGImages`.
# Loaders: base training (train), base test (val), novel test (test), support sets
# (`support_dataloader`; tools/fewshot.py sets shots and episode).
data_root = 'data/voc'
novel_classes = ['cat', 'dog', 'pottedplant', 'sheep', 'sofa', 'tvmonitor']
base_classes = [
    'aeroplane', 'bicycle', 'bird', 'boat', 'bottle', 'bus', 'car', 'chair', 'cow',
    'diningtable', 'horse', 'motorbike', 'person', 'train'
]
fs_dataset = dict(type='VOC2007FewShot', data_root=data_root, ann_dir='fewshot/voc')

meta_keys = ('sample_idx', 'img_path', 'ori_shape', 'img_shape', 'flip',
             'flip_direction')
# 224px as the published scripts (--image-size 224); RandAugment and Cutout of their
# base training are not used (recipe card).
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(224, 224), interpolation='bicubic'),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs', meta_keys=meta_keys),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(224, 224), interpolation='bicubic'),
    dict(type='PackInputs', meta_keys=meta_keys),
]
train_dataloader = dict(
    batch_size=32, num_workers=4, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(**fs_dataset, view='base', metainfo=dict(classes=base_classes),
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=64, num_workers=4, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(**fs_dataset, view='base_test', metainfo=dict(classes=base_classes),
                 pipeline=test_pipeline))
test_dataloader = dict(
    batch_size=64, num_workers=4, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(**fs_dataset, view='novel_test', metainfo=dict(classes=novel_classes),
                 pipeline=test_pipeline))
# batch 64: fsl_eval.py --batch-size
support_dataloader = dict(
    batch_size=64, num_workers=4, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(**fs_dataset, view='support', metainfo=dict(classes=novel_classes),
                 pipeline=train_pipeline))

# Novel mAP ranking the logits; MultiLabelMetric at threshold 0.5 (fsl_eval.py
# --threshold): macro = CP/CR/CF1, micro = OP/OR/OF1.
fewshot_evaluator = [
    dict(type='LogitAveragePrecision', prefix='fewshot'),
    dict(type='MultiLabelMetric', thr=0.5, average='macro', prefix='fewshot'),
    dict(type='MultiLabelMetric', thr=0.5, average='micro', prefix='fewshot'),
]
val_evaluator = fewshot_evaluator
test_evaluator = fewshot_evaluator

# Asymmetric loss (Ridnik et al., ICCV 2021) as the published few-shot scripts use it
# (fsl_runner.py / fsl_eval.py: gamma_neg 4, gamma_pos 0, clip 0.05, summed).
asl_loss = dict(type='AsymmetricLoss', gamma_pos=0.0, gamma_neg=4.0, clip=0.05,
                reduction='sum')
