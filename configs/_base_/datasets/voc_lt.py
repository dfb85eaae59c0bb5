# VOC-LT (Wu et al., ECCV 2020): 1,142 train images (a long-tailed subset of VOC2012
# trainval) and the 4,952 VOC2007 test images, 20 classes. `data_root` holds the LTML
# annotation files (voc_labels.txt, voc_lt_{train,test}.txt, voc_lt_captions.txt) and
# VOCdevkit/ with the images, see the README's "Data" section.
dataset_type = 'VOCLT'
data_root = 'data/voc'

# Class names in label order (voc_labels.txt) and the train split's statistics; the
# config-build test checks both against the real annotation files. The CLIP heads need
# the names at construction; losses of heads without `set_class_stats` (the ResNet
# baselines) read the counts from here.
class_names = [
    'aeroplane', 'bicycle', 'bird', 'boat', 'bottle', 'bus', 'car', 'cat', 'chair',
    'cow', 'diningtable', 'dog', 'horse', 'motorbike', 'person', 'pottedplant', 'sheep',
    'sofa', 'train', 'tvmonitor'
]
num_classes = 20
num_train_images = 1142
train_class_freq = [
    6, 34, 8, 14, 154, 17, 249, 29, 479, 4, 240, 48, 11, 20, 775, 100, 5, 82, 7, 64
]
train_neg_class_freq = [num_train_images - n for n in train_class_freq]

# DB loss as the DB-loss paper sets it for VOC-LT (Wu et al., ECCV 2020, Sec. 4).
db_loss = dict(
    type='DistributionBalancedLoss',
    reweight_func='rebalance',
    focal=dict(focal=True, balance_param=2.0, gamma=2),
    map_param=dict(alpha=0.1, beta=10.0, gamma=0.3),
    logit_reg=dict(init_bias=0.05, neg_scale=5.0))
# The same settings as the LMPT code runs them (`lmpt/dbl.py`, `ResampleLoss`): its
# element-wise BCE helper reduces to the batch mean, so the focal factor takes one
# p_t = exp(-mean BCE) per batch and the loss is balance_param * (1 - p_t)^gamma *
# mean(w * BCE) - the update behind the published LMPT / CoOp numbers.
lmpt_code_db_loss = dict(
    db_loss, focal=dict(focal=True, balance_param=2.0, gamma=2, pt_mode='batch_mean'))

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
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='train',
        with_caption=True,
        pipeline=train_pipeline))
# There is no separate validation split: validation runs on the test split for
# logging only; results are the final epoch's (no checkpoint selection on test).
val_dataloader = dict(
    batch_size=64,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type, data_root=data_root, split='test',
        pipeline=test_pipeline))
test_dataloader = val_dataloader

# Total / head / medium / tail mAP; groups from the train split (>=100, <20 images).
val_evaluator = dict(type='GroupAveragePrecision', prefix='lt', score='sigmoid')
test_evaluator = val_evaluator
