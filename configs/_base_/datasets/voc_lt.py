# VOC-LT (Wu et al., ECCV 2020): 1,142 train images (a long-tailed subset of VOC2012
# trainval) and the 4,952 VOC2007 test images, 20 classes. `data_root` holds the LTML
# annotation files (voc_labels.txt, voc_lt_{train,test}.txt, voc_lt_captions.txt) and
# VOCdevkit/ with the images, see the README's "Data" section.
_base_ = ['./lt_multilabel_common.py']

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

# DB loss as the DB-loss paper sets it for VOC-LT (Wu et al., ECCV 2020, Sec. 4), and as
# the LMPT code runs it (lt_multilabel_common.py).
db_loss = dict(
    type='DistributionBalancedLoss',
    reweight_func='rebalance',
    focal=_base_.db_focal,
    map_param=dict(alpha=0.1, beta=10.0, gamma=0.3),
    logit_reg=dict(init_bias=0.05, neg_scale=5.0))
lmpt_code_db_loss = dict(db_loss, focal=_base_.lmpt_code_db_focal)

train_dataloader = dict(dataset=dict(type=dataset_type, data_root=data_root))
val_dataloader = dict(dataset=dict(type=dataset_type, data_root=data_root))
test_dataloader = val_dataloader
