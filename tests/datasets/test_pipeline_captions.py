"""Captions and labels reach the data samples through the real pipeline."""
import numpy as np
import pytest
from PIL import Image

from lmpt_mm.datasets import LTMultiLabelDataset

PIPELINE = [
    dict(type='LoadImageFromFile'),
    dict(type='PackInputs', meta_keys=('sample_idx', 'img_path', 'caption')),
]


def _images(root, names):
    (root / 'imgs').mkdir(parents=True, exist_ok=True)
    for i, n in enumerate(names):
        arr = np.full((4, 5, 3), 40 * i, dtype=np.uint8)
        Image.fromarray(arr).save(root / 'imgs' / n)


def test_packed_sample_has_caption_and_gt(tiny_lt):
    _images(tiny_lt, ['a.png', 'b.png', 'c.png', 'd.png'])
    ds = LTMultiLabelDataset(
        data_root=str(tiny_lt),
        ann_file='tiny_train.txt',
        label_file='tiny_labels.txt',
        caption_file='tiny_captions.txt',
        with_caption=True,
        pipeline=PIPELINE)
    out = ds[2]
    assert tuple(out['inputs'].shape) == (3, 4, 5)
    sample = out['data_samples']
    assert sample.caption == 'sun over a car'
    assert sample.gt_label.tolist() == [0, 2]
    assert sample.img_path.endswith('imgs/c.png')
    assert sample.sample_idx == 2


def test_no_caption_key_without_with_caption(tiny_lt):
    _images(tiny_lt, ['t1.png', 't2.png', 't3.png'])
    ds = LTMultiLabelDataset(
        data_root=str(tiny_lt),
        ann_file='tiny_test.txt',
        label_file='tiny_labels.txt',
        train_ann_file='tiny_train.txt',
        pipeline=PIPELINE,
        test_mode=True)
    sample = ds[1]['data_samples']
    assert 'caption' not in sample
    assert sample.gt_label.tolist() == []  # unlabeled image packs fine


def test_missing_image_error_names_path(tiny_lt):
    """Construction reads no image; loading one that is absent names it."""
    ds = LTMultiLabelDataset(
        data_root=str(tiny_lt),
        ann_file='tiny_train.txt',
        label_file='tiny_labels.txt',
        pipeline=PIPELINE)
    assert len(ds) == 4  # built although no image exists
    with pytest.raises(FileNotFoundError, match=r'imgs/a\.png'):
        ds[0]
