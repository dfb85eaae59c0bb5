"""Mean +- std over seeds and paired differences with a 95% Student-t interval.

A method trained with seeds ``s = 1..n`` gives one score per seed, ``a_s``. Against a
reference with scores ``b_s`` from the same seeds (a trained baseline) or one
deterministic score ``b`` (zero-shot CLIP, no training), the paired differences
``d_s = a_s - b_s`` have mean ``dbar`` and sample std ``sd`` (ddof 1), and the 95%
interval is

    dbar +- t_{0.975, n-1} * sd / sqrt(n)          (Student's t over seeds)

It covers the seed-to-seed variation of training (initial draw, data order, cached
view draws) on a fixed test split; it does not cover the sampling of the test images.
With one seed there is no interval (``n/a``).

Where the question is where *one new* value will land (a method's difference on a CLIP
pretrained on another machine, say) rather than where the mean lies, the 95%
prediction interval

    dbar +- t_{0.975, n-1} * sd * sqrt(1 + 1/n)

covers a new draw from the same (normal) population with probability 0.95.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence, Tuple

from scipy import stats

LEVEL = 0.95


@dataclass
class Interval:
    """``mean +- half_width`` of ``n`` values (``half_width`` NaN when ``n < 2``)."""
    mean: float
    half_width: float
    n: int

    @property
    def defined(self) -> bool:
        return self.half_width == self.half_width

    def fmt(self) -> str:
        if not self.defined:
            return f'{self.mean:+.2f} (n/a, n={self.n})'
        lo, hi = self.mean - self.half_width, self.mean + self.half_width
        return f'{self.mean:+.2f} [{lo:+.2f}, {hi:+.2f}]'


def mean_std(values: Sequence[float]) -> Tuple[float, float]:
    """Mean and sample std (ddof 1; 0 for one value)."""
    v = [float(x) for x in values]
    if not v:
        raise ValueError('mean_std of no values')
    m = sum(v) / len(v)
    sd = math.sqrt(sum((x - m) ** 2 for x in v) / (len(v) - 1)) if len(v) > 1 else 0.0
    return m, sd


def _t_half_width(values: Sequence[float], level: float, scale) -> Interval:
    """``mean +- t_{(1+level)/2, n-1} * sd * scale(n)`` of ``values``."""
    mean, sd = mean_std(values)
    n = len(values)
    if n < 2:
        return Interval(mean, float('nan'), n)
    t = float(stats.t.ppf(0.5 + level / 2, n - 1))
    return Interval(mean, t * sd * scale(n), n)


def t_interval(values: Sequence[float], level: float = LEVEL) -> Interval:
    """Student-t interval of the mean of ``values``."""
    return _t_half_width(values, level, lambda n: 1 / math.sqrt(n))


def t_prediction_interval(values: Sequence[float], level: float = LEVEL) -> Interval:
    """Student-t prediction interval for one new value drawn like ``values``."""
    return _t_half_width(values, level, lambda n: math.sqrt(1 + 1 / n))


def paired_t_interval(a: Sequence[float], b: Sequence[float],
                      level: float = LEVEL) -> Interval:
    """Interval of ``mean(a - b)`` over paired seeds.

    A side with one value is a constant (a deterministic method such as zero-shot
    CLIP); the interval then reflects the other side's seeds only.
    """
    a = [float(x) for x in a]
    b = [float(x) for x in b]
    if len(b) == 1:
        b = b * len(a)
    if len(a) == 1:
        a = a * len(b)
    if len(a) != len(b) or not a:
        raise ValueError(f'paired differences need equal numbers of seeds, got '
                         f'{len(a)} and {len(b)}')
    return t_interval([x - y for x, y in zip(a, b)], level)
