# The offline world's few-shot split (tools/make_synthetic_fewshot.py -> WORLD/fewshot):
# 14 base / 6 novel of its 20 classes, CSV files in the format of HP-DVAL's VOC2007
# split, images of the world (tools/make_synthetic_lt.py). Loaders: base training
# (train_dataloader), base test (val), novel test (test), K-shot support sets
# (`support_dataloader`; tools/fewshot.py sets shots and episode). The evaluator and the
# loss are those of the published few-shot code (fewshot_multilabel_common.py); the
# pipelines (32px) and the loaders (no worker processes) are the world's own.
_base_ = ['./fewshot_multilabel_common.py']

data_root = 'data/synthetic_lt'
novel_classes = ['ring', 'moon', 'house', 'umbrella', 'table', 'cloud']
base_classes = [
    'ball', 'box', 'kite', 'tent', 'star', 'heart', 'cross', 'arrow', 'tree', 'egg',
    'flag', 'fish', 'door', 'bone'
]
fs_dataset = dict(type='FewShotCSVDataset', data_root=data_root, ann_dir='fewshot',
                  img_format='images/{name}.png')

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(32, 32)),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs', meta_keys=_base_.meta_keys),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(32, 32)),
    dict(type='PackInputs', meta_keys=_base_.meta_keys),
]

# The HP-DVAL code's few-shot inputs (fewshot_multilabel_common.py) at the world's size:
# base training, support sets, test.
code_base_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(32, 32)),
    dict(type='Cutout', shape=16, pad_val=128, prob=1.0), _base_.code_randaugment,
    dict(type='PackInputs', meta_keys=_base_.code_meta_keys),
]
code_adapt_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(32, 32)), _base_.code_randaugment,
    dict(type='PackInputs', meta_keys=_base_.code_meta_keys),
]
code_test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(32, 32)),
    dict(type='PackInputs', meta_keys=_base_.code_meta_keys),
]

train_dataloader = dict(
    _delete_=True, batch_size=32, num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(**fs_dataset, view='base', pipeline=train_pipeline))
val_dataloader = dict(
    _delete_=True, batch_size=128, num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(**fs_dataset, view='base_test', pipeline=test_pipeline))
test_dataloader = dict(
    _delete_=True, batch_size=128, num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(**fs_dataset, view='novel_test', pipeline=test_pipeline))
# The published evaluation adapts with batch 64 (HP-DVAL fsl_eval.py, --batch-size):
# every support set here (5-30 images) is one batch.
support_dataloader = dict(
    _delete_=True, batch_size=64, num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(**fs_dataset, view='support', pipeline=train_pipeline))
