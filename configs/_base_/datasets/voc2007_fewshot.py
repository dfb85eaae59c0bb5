# HP-DVAL's multi-label few-shot split of PASCAL VOC 2007 (Huang et al., IEEE TIP,
# Section IV-A.2 / Table II): 14 base / 6 novel classes, the released CSV files
# (classification_*.csv; configs/hpdval/fewshot/README.md says where they come from) in
# `data_root/fewshot/voc`, images in `data_root/VOCdevkit/VOC2007/JPEGImages`.
# Loaders, pipelines, evaluator and loss: fewshot_multilabel_common.py.
_base_ = ['./fewshot_multilabel_common.py']

data_root = 'data/voc'
novel_classes = ['cat', 'dog', 'pottedplant', 'sheep', 'sofa', 'tvmonitor']
base_classes = [
    'aeroplane', 'bicycle', 'bird', 'boat', 'bottle', 'bus', 'car', 'chair', 'cow',
    'diningtable', 'horse', 'motorbike', 'person', 'train'
]
fs_dataset = dict(type='VOC2007FewShot', data_root=data_root, ann_dir='fewshot/voc')

train_dataloader = dict(dataset=dict(**fs_dataset, metainfo=dict(classes=base_classes)))
val_dataloader = dict(dataset=dict(**fs_dataset, metainfo=dict(classes=base_classes)))
test_dataloader = dict(dataset=dict(**fs_dataset, metainfo=dict(classes=novel_classes)))
support_dataloader = dict(
    dataset=dict(**fs_dataset, metainfo=dict(classes=novel_classes)))
