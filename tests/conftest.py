"""Shared fixtures.

The real VOC-LT / COCO-LT annotation files are never copied into the repository:
they are found through ``LMPT_LT_ANNOTATIONS`` (default: ``../shared/data/
lt_annotations`` beside the clone) and tests that need them skip where absent.
"""
import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_ANN_ROOT = REPO_ROOT.parent / 'shared' / 'data' / 'lt_annotations'


def lt_annotation_root() -> Path:
    return Path(os.environ.get('LMPT_LT_ANNOTATIONS', DEFAULT_ANN_ROOT))


@pytest.fixture(scope='session')
def lt_ann_root() -> Path:
    root = lt_annotation_root()
    if not (root / 'voc' / 'voc_lt_train.txt').is_file():
        pytest.skip(f'real VOC-LT/COCO-LT annotation files not found under {root}; '
                    'set LMPT_LT_ANNOTATIONS to the LMPT repository\'s data/ folder')
    return root


@pytest.fixture(scope='session')
def repo_root() -> Path:
    return REPO_ROOT
