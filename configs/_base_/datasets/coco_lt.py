# COCO-LT (Wu et al., ECCV 2020): 1,909 train images (a long-tailed subset of COCO
# train2017) and 5,000 val2017 images as the test split, 80 classes. `data_root` holds
# the LTML annotation files (coco_labels.txt, coco_lt_{train,test}.txt,
# coco_lt_captions.txt) and train2017/, val2017/ with the images (README, "Data").
dataset_type = 'COCOLT'
data_root = 'data/coco'

# Class names in label order (coco_labels.txt) and the train split's statistics; the
# config-build test checks both against the real annotation files.
class_names = [
    'person', 'bicycle', 'car', 'motorcycle', 'airplane', 'bus', 'train', 'truck',
    'boat', 'traffic light', 'fire hydrant', 'stop sign', 'parking meter', 'bench',
    'bird', 'cat', 'dog', 'horse', 'sheep', 'cow', 'elephant', 'bear', 'zebra',
    'giraffe', 'backpack', 'umbrella', 'handbag', 'tie', 'suitcase', 'frisbee', 'skis',
    'snowboard', 'sports ball', 'kite', 'baseball bat', 'baseball glove', 'skateboard',
    'surfboard', 'tennis racket', 'bottle', 'wine glass', 'cup', 'fork', 'knife',
    'spoon', 'bowl', 'banana', 'apple', 'sandwich', 'orange', 'broccoli', 'carrot',
    'hot dog', 'pizza', 'donut', 'cake', 'chair', 'couch', 'potted plant', 'bed',
    'dining table', 'toilet', 'tv', 'laptop', 'mouse', 'remote', 'keyboard',
    'cell phone', 'microwave', 'oven', 'toaster', 'sink', 'refrigerator', 'book',
    'clock', 'vase', 'scissors', 'teddy bear', 'hair drier', 'toothbrush'
]
num_classes = 80
num_train_images = 1909
train_class_freq = [
    1128, 37, 276, 32, 9, 41, 18, 87, 20, 50, 11, 13, 8, 97, 19, 49, 70, 17, 7, 10, 8,
    6, 7, 7, 100, 39, 189, 31, 24, 11, 12, 8, 35, 10, 25, 21, 17, 10, 20, 460, 84, 498,
    126, 207, 173, 366, 39, 35, 44, 36, 29, 25, 14, 45, 16, 73, 585, 153, 164, 44, 624,
    25, 200, 137, 70, 89, 73, 127, 91, 175, 9, 237, 119, 292, 87, 113, 15, 21, 6, 11
]
train_neg_class_freq = [num_train_images - n for n in train_class_freq]

# DB loss as the DB-loss paper sets it for COCO-LT (Wu et al., ECCV 2020, Sec. 4).
db_loss = dict(
    type='DistributionBalancedLoss',
    reweight_func='rebalance',
    focal=dict(focal=True, balance_param=2.0, gamma=2),
    map_param=dict(alpha=0.1, beta=10.0, gamma=0.2),
    logit_reg=dict(init_bias=0.05, neg_scale=2.0))
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
