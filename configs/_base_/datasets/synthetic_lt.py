# The offline world (tools/make_synthetic_lt.py): 20 object classes drawn at 32px, a
# long-tailed train split with exactly VOC-LT's class counts (head/medium/tail =
# 6/6/8) and captions, a class-balanced validation split (lt_val.txt) and a
# class-balanced test split (lt_test.txt), drawn alike from disjoint seed streams.
# Same file formats as VOC-LT, read by the generic LTMultiLabelDataset.
# Validation during training and every choice of a setting (tools/sweep.py --split
# val) use lt_val.txt; the test split is evaluated once per final configuration
# (tools/test.py).
dataset_type = 'LTMultiLabelDataset'
data_root = 'data/synthetic_lt'

# Class names in label order (labels.txt, written by lmpt_mm.synthetic.CLASS_NAMES;
# tests/configs check they agree).
class_names = [
    'ball', 'ring', 'box', 'kite', 'tent', 'star', 'heart', 'moon', 'cross', 'arrow',
    'tree', 'house', 'egg', 'umbrella', 'flag', 'fish', 'door', 'table', 'bone', 'cloud'
]
num_classes = 20
train_class_freq = [
    6, 34, 8, 14, 154, 17, 249, 29, 479, 4, 240, 48, 11, 20, 775, 100, 5, 82, 7, 64
]
num_train_images = 1142
train_neg_class_freq = [num_train_images - n for n in train_class_freq]

# DB loss with the DB-loss paper's VOC-LT settings (same class counts as VOC-LT).
db_loss = dict(
    type='DistributionBalancedLoss',
    reweight_func='rebalance',
    focal=dict(focal=True, balance_param=2.0, gamma=2),
    map_param=dict(alpha=0.1, beta=10.0, gamma=0.3),
    logit_reg=dict(init_bias=0.05, neg_scale=5.0))

meta_keys = ('sample_idx', 'img_path', 'ori_shape', 'img_shape', 'flip',
             'flip_direction', 'caption')
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
files = dict(label_file='labels.txt', train_ann_file='lt_train.txt')

train_dataloader = dict(
    batch_size=32,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type, data_root=data_root, ann_file='lt_train.txt',
        caption_file='lt_captions.txt', with_caption=True, pipeline=train_pipeline,
        **files))
val_dataloader = dict(
    batch_size=128,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type, data_root=data_root, ann_file='lt_val.txt',
        pipeline=test_pipeline, **files))
test_dataloader = dict(
    batch_size=128,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type, data_root=data_root, ann_file='lt_test.txt',
        pipeline=test_pipeline, **files))

val_evaluator = dict(type='GroupAveragePrecision', prefix='lt', score='sigmoid')
test_evaluator = val_evaluator
