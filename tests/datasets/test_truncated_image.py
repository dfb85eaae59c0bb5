"""A truncated JPEG names its file and why (mmcv itself raises a bare AssertionError)."""
import io

import numpy as np
import pytest
from PIL import Image

from lmpt_mm.datasets import LTMultiLabelDataset


def test_truncated_jpeg_names_its_file(tiny_lt_world, tmp_path):
    buf = io.BytesIO()
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (32, 32, 3), np.uint8)
                    ).save(buf, format='JPEG', quality=90)
    image = tmp_path / 'cut.jpg'
    image.write_bytes(buf.getvalue()[:len(buf.getvalue()) // 2])  # a download cut short
    ann = tmp_path / 'train.txt'
    first = (tiny_lt_world / 'train.txt').read_text().splitlines()[0]
    ann.write_text(f'{first}\n{image} {first.split()[1]}\n')
    ds = LTMultiLabelDataset(ann_file=str(ann), label_file='labels.txt',
                             data_root=str(tiny_lt_world),
                             pipeline=[dict(type='LoadImageFromFile'),
                                       dict(type='PackInputs')])
    assert ds[0]['inputs'].shape[-1] == 32
    with pytest.raises(ValueError, match=rf'image {image} \(sample 1 of {ann}\) cannot be '
                       r'loaded: the file cannot be decoded \(truncated or damaged\?\): '
                       'OSError'):
        ds[1]
