# What VOC-LT and COCO-LT configs share (voc_lt.py / coco_lt.py add the dataset's
# type, root, classes, train statistics and DB-loss settings): 224px CLIP-style inputs,
# caption-carrying train samples, and the long-tailed evaluator.

# DB-loss focal modulation of the DB-loss paper (Wu et al., ECCV 2020, Sec. 4), both
# datasets; and the LMPT code's form of it (`lmpt/dbl.py`, `ResampleLoss`): its
# element-wise BCE helper reduces to the batch mean, so the focal factor takes one
# p_t = exp(-mean BCE) per batch and the loss is balance_param * (1 - p_t)^gamma *
# mean(w * BCE) - the update behind the published LMPT / CoOp numbers. The dataset
# configs build `db_loss` and `lmpt_code_db_loss` from these.
db_focal = dict(focal=True, balance_param=2.0, gamma=2)
lmpt_code_db_focal = dict(db_focal, pt_mode='batch_mean')

# `caption` reaches LMPT's head as data_sample.caption; `img_path` names the image in
# errors and in tools/predict.py.
meta_keys = ('sample_idx', 'img_path', 'ori_shape', 'img_shape', 'scale_factor', 'flip',
             'flip_direction', 'caption')
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
    batch_size=64,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(split='train', with_caption=True, pipeline=train_pipeline))
# There is no separate validation split: validation runs on the test split for
# logging only; results are the final epoch's (no checkpoint selection on test).
val_dataloader = dict(
    batch_size=64,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(split='test', pipeline=test_pipeline))
test_dataloader = val_dataloader

# Total / head / medium / tail mAP; groups from the train split (>=100, <20 images).
val_evaluator = dict(type='GroupAveragePrecision', prefix='lt', score='sigmoid')
test_evaluator = val_evaluator
