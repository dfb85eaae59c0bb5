"""Image-level labels of a COCO ``instances_*.json`` file, in the file's image order.

Follows the loaders of the LaSO split (Alfassy et al., CVPR 2019) as released with
HP-DVAL: label ids ``0..79`` are the categories sorted by category id (the order of
``coco_labels.txt``); an image's labels are the categories of its non-crowd
annotations with a box of positive width and height; image ``i`` is the ``i``-th entry
of the file's ``images`` list (``pycocotools.coco.COCO(...).getImgIds()`` order).
"""
from __future__ import annotations

import json
import os
import os.path as osp
from dataclasses import dataclass
from typing import Dict, List, Tuple

__all__ = ['CocoImageLabels', 'read_coco_instances']


@dataclass
class CocoImageLabels:
    """What the few-shot datasets need from an instances file.

    Attributes:
        path: the file.
        category_names: names of label ids ``0..C-1`` (categories sorted by id).
        image_ids: COCO image ids in the file's ``images`` order.
        file_names: image file names, same order.
        labels: sorted label ids of each image, same order (may be empty).
    """
    path: str
    category_names: List[str]
    image_ids: List[int]
    file_names: List[str]
    labels: List[Tuple[int, ...]]


def read_coco_instances(path: str) -> CocoImageLabels:
    """Read image-level labels from a COCO instances file.

    Raises:
        FileNotFoundError: naming the path.
        ValueError: naming the file and the entry for a missing key or an annotation
            whose ``image_id`` / ``category_id`` the file does not declare.
    """
    path = os.fspath(path)
    if not osp.isfile(path):
        raise FileNotFoundError(f'COCO annotation file not found: {path} (the user\'s own '
                                'instances_train2014.json / instances_val2014.json)')
    with open(path) as f:
        data = json.load(f)
    for key in ('images', 'annotations', 'categories'):
        if key not in data:
            raise ValueError(f'{path}: no {key!r} list; is this a COCO instances file?')
    cats = sorted(data['categories'], key=lambda c: c['id'])
    label_of: Dict[int, int] = {c['id']: i for i, c in enumerate(cats)}
    pos: Dict[int, int] = {}
    for i, img in enumerate(data['images']):
        if 'id' not in img or 'file_name' not in img:
            raise ValueError(f'{path}: images[{i}] lacks id or file_name')
        pos[img['id']] = i
    labels = [set() for _ in data['images']]
    for j, ann in enumerate(data['annotations']):
        if ann.get('iscrowd', 0):
            continue
        bbox = ann.get('bbox', (0, 0, 1, 1))
        if bbox[2] <= 0 or bbox[3] <= 0:
            continue
        if ann['image_id'] not in pos:
            raise ValueError(f'{path}: annotations[{j}] refers to image_id '
                             f"{ann['image_id']}, which is not in images")
        if ann['category_id'] not in label_of:
            raise ValueError(f'{path}: annotations[{j}] refers to category_id '
                             f"{ann['category_id']}, which is not in categories")
        labels[pos[ann['image_id']]].add(label_of[ann['category_id']])
    return CocoImageLabels(path, [c['name'] for c in cats],
                           [img['id'] for img in data['images']],
                           [img['file_name'] for img in data['images']],
                           [tuple(sorted(s)) for s in labels])
