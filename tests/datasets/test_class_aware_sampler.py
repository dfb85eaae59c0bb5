"""ClassAwareSampler: determinism, disjoint rank shares, class-uniform draws."""
import numpy as np
import pytest
from mmpretrain.registry import DATA_SAMPLERS

from lmpt_mm.datasets import ClassAwareSampler, LTMultiLabelDataset


class _Labels:
    """Minimal dataset: class ids per image."""

    def __init__(self, labels, num_classes):
        self.labels = labels
        self.metainfo = dict(classes=[str(i) for i in range(num_classes)])

    def __len__(self):
        return len(self.labels)

    def get_cat_ids(self, idx):
        return self.labels[idx]


def _long_tail():
    # class 0: 90 images, class 1: 9, class 2: 1 (shared with class 0),
    # one unlabeled image; class 3 has no image
    labels = [[0]] * 89 + [[0, 2]] + [[1]] * 9 + [[]]
    return _Labels(labels, 4)


def test_deterministic_and_epoch_dependent():
    ds = _long_tail()
    a = list(ClassAwareSampler(ds, seed=3))
    b = list(ClassAwareSampler(ds, seed=3))
    assert a == b and len(a) == len(ds)
    s = ClassAwareSampler(ds, seed=3)
    s.set_epoch(1)
    assert list(s) != a
    assert list(ClassAwareSampler(ds, seed=4)) != a


def test_disjoint_rank_shares_cover_global_sequence():
    ds = _long_tail()
    shares = [list(ClassAwareSampler(ds, seed=0, num_samples=10, world_size=3,
                                     rank=r)) for r in range(3)]
    assert [len(s) for s in shares] == [4, 4, 4]  # ceil(10 / 3)
    s = ClassAwareSampler(ds, seed=0, num_samples=10, world_size=3, rank=0)
    glob = s._global_indices().tolist()
    assert len(glob) == 12
    for r in range(3):  # rank r holds positions r, r + 3, ... of one sequence
        assert shares[r] == glob[r::3]


def test_dist_info_from_mmengine(monkeypatch):
    import lmpt_mm.datasets.samplers.class_aware_sampler as mod
    monkeypatch.setattr(mod, 'get_dist_info', lambda: (1, 2))
    s = ClassAwareSampler(_long_tail(), seed=0)
    assert (s.rank, s.world_size, len(s)) == (1, 2, 50)
    assert list(s) == s._global_indices().tolist()[1::2]


def test_class_uniform_then_image_uniform(mm_log):
    ds = _long_tail()
    s = ClassAwareSampler(ds, seed=0, num_samples=30000)
    assert any('classes [3] have no image' in m for m in mm_log.messages())
    idx = np.array(list(s))
    assert 99 not in idx  # the unlabeled image is never drawn
    # P(image 89) = P(c=0)/90 + P(c=2)/1; P(image in class 1) = 1/3
    frac_tail = np.mean(idx == 89)
    frac_c1 = np.mean((idx >= 90) & (idx < 99))
    assert frac_tail == pytest.approx(1 / 3 + 1 / 270, abs=0.02)
    assert frac_c1 == pytest.approx(1 / 3, abs=0.02)
    # within class 1 uniform over its 9 images
    counts = np.bincount(idx[(idx >= 90) & (idx < 99)] - 90, minlength=9)
    assert counts.min() > 0.8 * counts.mean()


def test_registered_and_works_on_lt_dataset(tiny_lt):
    ds = LTMultiLabelDataset(
        data_root=str(tiny_lt), ann_file='tiny_train.txt',
        label_file='tiny_labels.txt')
    s = DATA_SAMPLERS.build(dict(type='ClassAwareSampler', num_samples=7),
                            default_args=dict(dataset=ds, seed=1))
    assert isinstance(s, ClassAwareSampler)
    idx = list(s)
    assert len(idx) == 7 and set(idx) <= set(range(4))


def test_errors():
    with pytest.raises(ValueError, match='no image in the dataset has a label'):
        ClassAwareSampler(_Labels([[], []], 2), seed=0)
    with pytest.raises(TypeError, match='get_cat_ids'):
        ClassAwareSampler([1, 2, 3], seed=0)
    with pytest.raises(ValueError, match='rank 2 outside world_size 2'):
        ClassAwareSampler(_long_tail(), seed=0, rank=2, world_size=2)
