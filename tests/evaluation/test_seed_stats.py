"""Mean +- std over seeds and the paired t-interval against a scipy/numpy oracle."""
import numpy as np
import pytest
from scipy import stats

from lmpt_mm.evaluation.seed_stats import (mean_std, paired_t_interval, t_interval,
                                          t_prediction_interval)


def test_paired_interval_matches_scipy():
    a, b = [43.4, 43.1, 43.1], [41.1, 40.6, 40.6]
    ci = paired_t_interval(a, b)
    d = np.subtract(a, b)
    lo, hi = stats.t.interval(0.95, len(d) - 1, loc=d.mean(), scale=stats.sem(d))
    assert ci.mean == pytest.approx(d.mean())
    assert ci.mean - ci.half_width == pytest.approx(lo)
    assert ci.mean + ci.half_width == pytest.approx(hi)
    # a deterministic reference (zero-shot) is a constant on either side
    assert paired_t_interval(a, [36.0]).mean == pytest.approx(np.mean(a) - 36.0)
    assert paired_t_interval([36.0], a).mean == pytest.approx(36.0 - np.mean(a))
    assert paired_t_interval([1.0], [0.5]).fmt() == '+0.50 (n/a, n=1)'
    with pytest.raises(ValueError, match='equal numbers'):
        paired_t_interval([1, 2], [1, 2, 3])


def test_mean_std_and_one_sample_interval():
    assert mean_std([1.0, 3.0]) == (2.0, pytest.approx(2 ** 0.5))
    assert mean_std([5.0]) == (5.0, 0.0)
    with pytest.raises(ValueError, match='no values'):
        mean_std([])
    x = [1.0, 2.0, 4.0]
    lo, hi = stats.t.interval(0.95, 2, loc=np.mean(x), scale=stats.sem(x))
    ci = t_interval(x)
    assert (ci.mean - ci.half_width, ci.mean + ci.half_width) == (pytest.approx(lo),
                                                                   pytest.approx(hi))
    assert not t_interval([3.0]).defined


def test_prediction_interval_is_wider_and_covers_new_draws_at_its_level():
    x = [1.0, 2.0, 4.0]
    pi = t_prediction_interval(x)
    lo, hi = stats.t.interval(0.95, 2, loc=np.mean(x),
                              scale=np.std(x, ddof=1) * (1 + 1 / 3) ** 0.5)
    assert (pi.mean - pi.half_width, pi.mean + pi.half_width) == (pytest.approx(lo),
                                                                   pytest.approx(hi))
    assert pi.half_width > t_interval(x).half_width
    assert not t_prediction_interval([3.0]).defined
    # Three replicates and one new draw from the same normal population, many times.
    rng = np.random.default_rng(0)
    draws = rng.normal(2.0, 1.5, size=(4000, 4))
    inside = [abs(d[3] - p.mean) <= p.half_width
              for d in draws for p in [t_prediction_interval(d[:3])]]
    assert np.mean(inside) == pytest.approx(0.95, abs=0.015)
