"""A truncated JPEG names its file and why (mmcv itself raises a bare AssertionError),
in the LT and the few-shot datasets."""
import io
import shutil

import numpy as np
import pytest
from PIL import Image

from lmpt_mm.datasets import FewShotCSVDataset, LTMultiLabelDataset
from lmpt_mm.synthetic.fewshot_world import generate_fewshot_split

PIPELINE = [dict(type='LoadImageFromFile'), dict(type='PackInputs')]


def truncated_jpeg() -> bytes:
    """The first half of a JPEG: a download cut short."""
    buf = io.BytesIO()
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (32, 32, 3), np.uint8)
                    ).save(buf, format='JPEG', quality=90)
    return buf.getvalue()[:len(buf.getvalue()) // 2]


def test_truncated_jpeg_names_its_file(tiny_lt_world, tmp_path):
    image = tmp_path / 'cut.jpg'
    image.write_bytes(truncated_jpeg())
    ann = tmp_path / 'train.txt'
    first = (tiny_lt_world / 'train.txt').read_text().splitlines()[0]
    ann.write_text(f'{first}\n{image} {first.split()[1]}\n')
    ds = LTMultiLabelDataset(ann_file=str(ann), label_file='labels.txt',
                             data_root=str(tiny_lt_world),
                             pipeline=PIPELINE)
    assert ds[0]['inputs'].shape[-1] == 32
    with pytest.raises(ValueError, match=rf'image {image} \(sample 1 of {ann}\) cannot be '
                       r'loaded: the file cannot be decoded \(truncated or damaged\?\): '
                       'OSError'):
        ds[1]


def test_fewshot_dataset_names_a_truncated_image(tiny_lt_world, tmp_path):
    root = shutil.copytree(tiny_lt_world, tmp_path / 'world')
    generate_fewshot_split(root, root / 'fewshot', novel=('cat', 'tree'), shots=(1, ),
                           episodes=1, train_list='train.txt', test_list='test.txt')
    ds = FewShotCSVDataset(view='base', data_root=str(root), ann_dir='fewshot',
                           img_format='images/{name}.png', pipeline=PIPELINE)
    path = ds.get_data_info(0)['img_path']
    open(path, 'wb').write(truncated_jpeg())
    with pytest.raises(ValueError, match=rf'image {path} \(sample 0 of .*\) cannot be '
                       r'loaded: the file cannot be decoded \(truncated or damaged\?\)'):
        ds[0]
