"""Fixtures for the model tests: MMPretrain registries and tiny CLIP classifiers."""
import pytest
import torch
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample
from mmpretrain.utils import register_all_modules

import lmpt_mm  # noqa: F401  (registers lmpt_mm's components)
from lmpt_mm.models.clip import CLIP_MEAN_255, CLIP_STD_255

CLASSES = ['cat', 'dog', 'traffic light', 'person', 'potted plant']
CLASS_FREQ = [12, 6, 3, 2, 1]
NUM_TRAIN = 16
NEG_CLASS_FREQ = [NUM_TRAIN - n for n in CLASS_FREQ]


@pytest.fixture(scope='session', autouse=True)
def _mmpretrain_registry():
    register_all_modules(init_default_scope=False)


def build_classifier(head: dict, arch: str = 'lmpt-tiny-vit', return_local: bool = False):
    head = dict(head, arch=arch, classes=CLASSES)
    cfg = dict(type='ImageClassifier',
               backbone=dict(type='CLIPImageEncoder', arch=arch, return_local=return_local),
               head=head,
               data_preprocessor=dict(type='ClsDataPreprocessor', mean=CLIP_MEAN_255,
                                      std=CLIP_STD_255, to_rgb=True))
    return MODELS.build(cfg)


def synthetic_batch(model, num: int = 4, seed: int = 0, captions: bool = True):
    """Preprocessed tiny batch: random 32px images, multi-hot labels, captions."""
    gen = torch.Generator().manual_seed(seed)
    imgs = [torch.randint(0, 256, (3, 32, 32), generator=gen).float() for _ in range(num)]
    samples = []
    for k in range(num):
        labels = sorted({k % len(CLASSES), (3 * k + 1) % len(CLASSES)})
        meta = dict(caption=' and '.join(f'a {CLASSES[i]}' for i in labels)) if captions else {}
        samples.append(DataSample(metainfo=meta).set_gt_label(labels))
    return model.data_preprocessor(dict(inputs=imgs, data_samples=samples), True)


HEADS = {
    'CoOpHead': dict(type='CoOpHead', prompt_learner=dict(n_ctx=4)),
    'DualCoOpHead': dict(type='DualCoOpHead', prompt_learner=dict(n_ctx=4, csc=True)),
    'LMPTHead': dict(
        type='LMPTHead', prompt_learner=dict(n_ctx=4),
        loss=dict(type='DistributionBalancedLoss', class_freq=CLASS_FREQ,
                  neg_class_freq=NEG_CLASS_FREQ),
        cse_loss=dict(type='ClassSpecificEmbeddingLoss', class_freq=CLASS_FREQ)),
}


@pytest.fixture
def make_classifier():
    return build_classifier


@pytest.fixture
def make_batch():
    return synthetic_batch


@pytest.fixture
def head_cfgs():
    return HEADS


@pytest.fixture
def class_stats():
    return dict(classes=CLASSES, class_freq=CLASS_FREQ, neg_class_freq=NEG_CLASS_FREQ)
