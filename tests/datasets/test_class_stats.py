"""Class statistics: hand-made cases, plain-loop oracles, DB-loss pickles."""
import pickle

import numpy as np
import pytest

from lmpt_mm.datasets import (class_freq, class_groups, condition_prob,
                              db_loss_stats, label_matrix, neg_class_freq)
from lmpt_mm.datasets.class_stats import compute_split_stats

def test_freq_and_neg_freq():
    y = label_matrix([[0, 2], [2], [], [1, 2]], 4)
    assert y.tolist() == [[1, 0, 1, 0], [0, 0, 1, 0], [0, 0, 0, 0], [0, 1, 1, 0]]
    assert class_freq(y).tolist() == [1, 1, 3, 0]
    assert neg_class_freq(y).tolist() == [3, 3, 1, 4]


def test_groups_boundaries_and_plain_ints():
    freq = [100, 99, 20, 19, 0, 500]
    g = class_groups(freq)
    assert g == {'head': [0, 5], 'medium': [1, 2], 'tail': [3, 4]}
    assert all(type(i) is int for v in g.values() for i in v)
    assert class_groups(freq, head_thr=20, tail_thr=1) == {
        'head': [0, 1, 2, 5], 'medium': [3], 'tail': [4]}
    with pytest.raises(ValueError, match='tail_thr'):
        class_groups(freq, head_thr=10, tail_thr=20)


def test_condition_prob_plain_loop():
    rng = np.random.default_rng(0)
    y = (rng.random((50, 6)) < 0.3).astype(int)
    y[:, 5] = 0  # a class without images: row defined as 0, not NaN
    cp = condition_prob(y)
    for i in range(6):
        for j in range(6):
            ni = sum(y[n, i] for n in range(50))
            nij = sum(y[n, i] * y[n, j] for n in range(50))
            assert cp[i, j] == pytest.approx(nij / ni if ni else 0.0)
    assert not np.isnan(cp).any()


def test_db_loss_stats_keys_and_types():
    d = db_loss_stats(label_matrix([[0], [0, 1]], 2))
    assert set(d) == {'gt_labels', 'class_freq', 'neg_class_freq',
                      'condition_prob'}
    assert d['gt_labels'].shape == (2, 2) and d['gt_labels'].dtype == np.int64
    assert d['class_freq'].tolist() == [2, 1]
    assert d['condition_prob'].tolist() == [[1.0, 0.5], [1.0, 1.0]]


@pytest.mark.parametrize('name, pkl', [
    ('voc', 'VOCdevkit_longtail2012'),
    ('coco', 'coco_longtail2017'),
])
def test_matches_db_loss_pickles(lt_ann_root, db_stats_root, name, pkl):
    """The DB-loss paper's own pickles: ``gt_labels`` is a list of [C] arrays
    (train-list order for VOC, another order for COCO); ``class_split``
    holds head/middle/tail sets."""
    freq_pkl = db_stats_root / f'{pkl}_class_freq.pkl'
    with open(freq_pkl, 'rb') as f:
        ref = pickle.load(f)
    with open(db_stats_root / f'{pkl}_class_split.pkl', 'rb') as f:
        split = pickle.load(f)
    root = lt_ann_root / name
    stats = compute_split_stats(root / f'{name}_labels.txt',
                                root / f'{name}_lt_train.txt')
    ours = db_loss_stats(stats['gt_labels'])
    np.testing.assert_array_equal(ours['class_freq'], ref['class_freq'])
    np.testing.assert_array_equal(ours['neg_class_freq'], ref['neg_class_freq'])
    # same rows; the COCO pickle lists images in another order than the list
    def rows(m):
        return sorted(map(tuple, np.asarray(m).tolist()))
    assert rows(ours['gt_labels']) == rows(np.stack(ref['gt_labels']))
    np.testing.assert_allclose(ours['condition_prob'], ref['condition_prob'])
    groups = stats['class_groups']
    assert groups['head'] == sorted(int(i) for i in split['head'])
    assert groups['medium'] == sorted(int(i) for i in split['middle'])
    assert groups['tail'] == sorted(int(i) for i in split['tail'])
