"""Tie-correct AP against scikit-learn; group means from hand-made cases."""
import numpy as np
import pytest
from sklearn.metrics import average_precision_score

from lmpt_mm.evaluation import average_precision, group_map


@pytest.mark.parametrize('decimals', [1, 2, 6])
def test_ap_equals_sklearn_with_ties(decimals):
    rng = np.random.default_rng(decimals)
    scores = np.round(rng.random((300, 7)), decimals)  # 1 decimal: many ties
    targets = (rng.random((300, 7)) < np.linspace(0.02, 0.5, 7)).astype(int)
    targets[0] = 1  # every class has a positive
    ours = average_precision(scores, targets)
    ref = [average_precision_score(targets[:, c], scores[:, c]) for c in range(7)]
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-12)


def test_ap_independent_of_order_among_ties():
    scores = np.array([0.9, 0.5, 0.5, 0.5, 0.1])
    t1 = np.array([1, 1, 0, 0, 1])
    perm = [0, 3, 2, 1, 4]  # reorder the tied block
    assert average_precision(scores, t1) == average_precision(scores[perm],
                                                              t1[perm])
    # by hand: thresholds 0.9 (P=1, R=1/3), 0.5 (P=2/4, R=2/3), 0.1 (P=3/5, R=1)
    assert average_precision(scores, t1) == pytest.approx(
        1 / 3 * 1 + 1 / 3 * 0.5 + 1 / 3 * 0.6)


def test_ap_undefined_without_positive_and_bad_input():
    ap = average_precision(np.array([[0.1, 0.3], [0.2, 0.4]]),
                           np.array([[1, 0], [0, 0]]))
    assert ap[0] == 0.5 and np.isnan(ap[1])
    with pytest.raises(ValueError, match='NaN or inf'):
        average_precision(np.array([np.nan, 1.0]), np.array([1, 0]))
    with pytest.raises(ValueError, match='0/1'):
        average_precision(np.array([0.2, 1.0]), np.array([1, -1]))
    with pytest.raises(ValueError, match='same shape'):
        average_precision(np.zeros((3, 2)), np.zeros((3, 1)))


def test_group_means_hand_made(mm_log):
    # 4 classes; per-class AP chosen by construction on 4 images
    # c0: perfect -> 1; c1: positive ranked 2nd of 4 -> 1/2;
    # c2: positive ranked last -> 1/4; c3: no positive -> undefined
    scores = np.array([[0.9, 0.9, 0.9, 0.9],
                       [0.1, 0.8, 0.8, 0.8],
                       [0.2, 0.3, 0.7, 0.7],
                       [0.3, 0.2, 0.6, 0.6]])
    targets = np.array([[1, 0, 0, 0],
                        [0, 1, 0, 0],
                        [0, 0, 0, 0],
                        [0, 0, 1, 0]])
    freq = [150, 50, 5, 120]  # head: 0, 3; medium: 1; tail: 2
    out = group_map(scores, targets, freq, class_names=['a', 'b', 'c', 'd'])
    np.testing.assert_allclose(out['ap'][:3], [100, 50, 25])
    assert np.isnan(out['ap'][3])
    assert out['mAP'] == pytest.approx((100 + 50 + 25) / 3)
    assert out['mAP_head'] == pytest.approx(100)  # class 3 excluded, not 0
    assert out['mAP_medium'] == pytest.approx(50)
    assert out['mAP_tail'] == pytest.approx(25)
    assert out['mAP'] == pytest.approx(np.nanmean(out['ap']))
    warns = [m for m in mm_log.messages() if 'no positive test image' in m]
    assert len(warns) == 1 and '3 (d)' in warns[0]


def test_group_without_valid_class_is_omitted(mm_log):
    scores = np.array([[0.9, 0.1], [0.2, 0.8]])
    targets = np.array([[1, 0], [0, 0]])
    out = group_map(scores, targets, class_freq=[200, 3])
    assert set(out) == {'mAP', 'mAP_head', 'var', 'ap'}
    assert out['mAP'] == 100.0
    msgs = mm_log.messages()
    assert any('mAP_medium omitted' in m for m in msgs)
    assert any('mAP_tail omitted' in m for m in msgs)
    assert all(not np.isnan(v) for k, v in out.items() if k != 'ap')
    assert out['var'] == 0.0  # a single class: no spread


def test_thresholds_and_shape_errors():
    scores = np.array([[0.9, 0.1, 0.5], [0.2, 0.8, 0.4]])
    targets = np.array([[1, 0, 1], [0, 1, 0]])
    out = group_map(scores, targets, [10, 5, 1], head_thr=10, tail_thr=5)
    assert out['mAP_head'] == 100.0 and out['mAP_medium'] == 100.0
    assert out['mAP_tail'] == 100.0
    with pytest.raises(ValueError, match='class_freq has 2 entries'):
        group_map(scores, targets, [1, 2])


def test_var_is_the_population_variance_of_per_class_ap():
    """HP-DVAL's "var." column against a numpy oracle (sklearn AP, np.var)."""
    rng = np.random.default_rng(7)
    scores = rng.random((200, 6))
    targets = (rng.random((200, 6)) < np.linspace(0.05, 0.5, 6)).astype(int)
    targets[:, 5] = 0  # undefined AP: excluded from var as from mAP
    out = group_map(scores, targets, [200, 150, 50, 30, 10, 5])
    ref = np.array([average_precision_score(targets[:, c], scores[:, c])
                    for c in range(5)]) * 100
    assert out['var'] == pytest.approx(np.var(ref), rel=1e-12)
    assert out['var'] == pytest.approx(np.mean((ref - out['mAP']) ** 2), rel=1e-12)
    assert out['var'] > 0
    # equal APs: no spread
    same = group_map(np.tile(scores[:, :1], 2), np.tile(targets[:, :1], 2), [5, 5])
    assert same['var'] == pytest.approx(0.0, abs=1e-20)
