# The offline world's few-shot split (tools/make_synthetic_fewshot.py -> WORLD/fewshot):
# 14 base / 6 novel of its 20 classes, CSV files in the format of HP-DVAL's VOC2007
# split, images of the world (tools/make_synthetic_lt.py). Loaders: base training
# (train_dataloader), base test (val), novel test (test), K-shot support sets
# (`support_dataloader`; tools/fewshot.py sets shots and episode).
data_root = 'data/synthetic_lt'
novel_classes = ['ring', 'moon', 'house', 'umbrella', 'table', 'cloud']
base_classes = [
    'ball', 'box', 'kite', 'tent', 'star', 'heart', 'cross', 'arrow', 'tree', 'egg',
    'flag', 'fish', 'door', 'bone'
]
fs_dataset = dict(type='FewShotCSVDataset', data_root=data_root, ann_dir='fewshot',
                  img_format='images/{name}.png')

meta_keys = ('sample_idx', 'img_path', 'ori_shape', 'img_shape', 'flip',
             'flip_direction')
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(32, 32)),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs', meta_keys=meta_keys),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(32, 32)),
    dict(type='PackInputs', meta_keys=meta_keys),
]

train_dataloader = dict(
    batch_size=32, num_workers=0, sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(**fs_dataset, view='base', pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=128, num_workers=0, sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(**fs_dataset, view='base_test', pipeline=test_pipeline))
test_dataloader = dict(
    batch_size=128, num_workers=0, sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(**fs_dataset, view='novel_test', pipeline=test_pipeline))
# The published evaluation adapts with batch 64 (HP-DVAL fsl_eval.py, --batch-size):
# every support set here (5-30 images) is one batch.
support_dataloader = dict(
    batch_size=64, num_workers=0, sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(**fs_dataset, view='support', pipeline=train_pipeline))

# Novel mAP (ranking the logits) and MultiLabelMetric at threshold 0.5 (fsl_eval.py's
# --threshold): macro = CP/CR/CF1, micro = OP/OR/OF1.
fewshot_evaluator = [
    dict(type='LogitAveragePrecision', prefix='fewshot'),
    dict(type='MultiLabelMetric', thr=0.5, average='macro', prefix='fewshot'),
    dict(type='MultiLabelMetric', thr=0.5, average='micro', prefix='fewshot'),
]
val_evaluator = fewshot_evaluator
test_evaluator = fewshot_evaluator

# The asymmetric loss of the published few-shot code (Ridnik et al., ICCV 2021;
# HP-DVAL fsl_runner.py / fsl_eval.py: gamma_neg 4, gamma_pos 0, clip 0.05, summed).
asl_loss = dict(type='AsymmetricLoss', gamma_pos=0.0, gamma_neg=4.0, clip=0.05,
                reduction='sum')
