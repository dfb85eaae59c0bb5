# COCO-LT (Wu et al., ECCV 2020): 1,909 train images (a long-tailed subset of COCO
# train2017) and 5,000 val2017 images as the test split, 80 classes. `data_root` holds
# the LTML annotation files (coco_labels.txt, coco_lt_{train,test}.txt,
# coco_lt_captions.txt) and train2017/, val2017/ with the images (README, "Data").
_base_ = ['./lt_multilabel_common.py']

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

# DB loss as the DB-loss paper sets it for COCO-LT (Wu et al., ECCV 2020, Sec. 4), and as
# the LMPT code runs it (lt_multilabel_common.py).
db_loss = dict(
    type='DistributionBalancedLoss',
    reweight_func='rebalance',
    focal=_base_.db_focal,
    map_param=dict(alpha=0.1, beta=10.0, gamma=0.2),
    logit_reg=dict(init_bias=0.05, neg_scale=2.0))
lmpt_code_db_loss = dict(db_loss, focal=_base_.lmpt_code_db_focal)

train_dataloader = dict(dataset=dict(type=dataset_type, data_root=data_root))
val_dataloader = dict(dataset=dict(type=dataset_type, data_root=data_root))
test_dataloader = val_dataloader
