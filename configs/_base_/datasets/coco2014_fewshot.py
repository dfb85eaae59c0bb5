# HP-DVAL's multi-label few-shot split of MS-COCO 2014 (LaSO's 64 base / 16 novel
# classes; Huang et al., IEEE TIP, Table II; Alfassy et al., CVPR 2019): the released
# episodes file in `data_root/fewshot/`, the user's own
# `annotations/instances_{train,val}2014.json` and images `train2014/`, `val2014/`.
# Episode indices are positions in the `images` list of instances_train2014.json.
# Loaders, pipelines, evaluator and loss: fewshot_multilabel_common.py.
_base_ = ['./fewshot_multilabel_common.py']

data_root = 'data/coco2014'
# Class names in COCO label order (categories sorted by id), restricted to the split's
# label ids; the datasets check them against the annotation file.
novel_classes = [
    'bicycle', 'boat', 'stop sign', 'bird', 'backpack', 'frisbee', 'snowboard',
    'surfboard', 'cup', 'fork', 'spoon', 'broccoli', 'chair', 'keyboard', 'microwave',
    'vase'
]
base_classes = [
    'person', 'car', 'motorcycle', 'airplane', 'bus', 'train', 'truck', 'traffic light',
    'fire hydrant', 'parking meter', 'bench', 'cat', 'dog', 'horse', 'sheep', 'cow',
    'elephant', 'bear', 'zebra', 'giraffe', 'umbrella', 'handbag', 'tie', 'suitcase',
    'skis', 'sports ball', 'kite', 'baseball bat', 'baseball glove', 'skateboard',
    'tennis racket', 'bottle', 'wine glass', 'knife', 'bowl', 'banana', 'apple',
    'sandwich', 'orange', 'carrot', 'hot dog', 'pizza', 'donut', 'cake', 'couch',
    'potted plant', 'bed', 'dining table', 'toilet', 'tv', 'laptop', 'mouse', 'remote',
    'cell phone', 'oven', 'toaster', 'sink', 'refrigerator', 'book', 'clock', 'scissors',
    'teddy bear', 'hair drier', 'toothbrush'
]
fs_dataset = dict(type='COCO2014FewShot', data_root=data_root,
                  episodes_file='fewshot/coco2014_fewshot_episodes.json')
train_files = dict(ann_file='annotations/instances_train2014.json', img_prefix='train2014')

# Base training: train2014 images with a base label, without any episode's support
# images (the published base training keeps them; recipe card).
train_dataloader = dict(
    dataset=dict(**fs_dataset, **train_files, metainfo=dict(classes=base_classes)))
val_dataloader = dict(
    dataset=dict(**fs_dataset, ann_file='annotations/instances_val2014.json',
                 img_prefix='val2014', metainfo=dict(classes=base_classes)))
test_dataloader = dict(
    dataset=dict(**fs_dataset, ann_file='annotations/instances_val2014.json',
                 img_prefix='val2014', metainfo=dict(classes=novel_classes)))
support_dataloader = dict(
    dataset=dict(**fs_dataset, **train_files, metainfo=dict(classes=novel_classes)))
