"""Mean +- std over seeds and paired differences with a 95% t-interval over seeds.

A method trained with seeds ``s = 1..n`` gives one score per seed, ``a_s``. Against a
reference with scores ``b_s`` from the same seeds (CoOp) or one deterministic score
``b`` (zero-shot CLIP, no training), the paired differences ``d_s = a_s - b_s`` have
mean ``dbar`` and sample std ``sd`` (ddof 1), and the 95% interval is

    dbar +- t_{0.975, n-1} * sd / sqrt(n)          (Student's t over seeds)

It covers the seed-to-seed variation of training (initial draw, data order, cached
view draws) on a fixed test split; it does not cover the sampling of the test
images. With one seed there is no interval (``n/a``).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

from scipy import stats

from lmpt_mm.cli.compare import COLUMNS, METRIC_KEYS

LEVEL = 0.95


@dataclass
class Interval:
    mean: float
    half_width: float  # NaN when n < 2
    n: int

    def fmt(self) -> str:
        if self.half_width != self.half_width:
            return f'{self.mean:+.2f} (n/a, n={self.n})'
        lo, hi = self.mean - self.half_width, self.mean + self.half_width
        return f'{self.mean:+.2f} [{lo:+.2f}, {hi:+.2f}]'


def mean_std(values: Sequence[float]) -> tuple:
    """Mean and sample std (ddof 1; 0 for one value)."""
    v = [float(x) for x in values]
    if not v:
        raise ValueError('mean_std of no values')
    m = sum(v) / len(v)
    sd = math.sqrt(sum((x - m) ** 2 for x in v) / (len(v) - 1)) if len(v) > 1 else 0.0
    return m, sd


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
    d = [x - y for x, y in zip(a, b)]
    mean, sd = mean_std(d)
    n = len(d)
    if n < 2:
        return Interval(mean, float('nan'), n)
    t = float(stats.t.ppf(0.5 + level / 2, n - 1))
    return Interval(mean, t * sd / math.sqrt(n), n)


def seed_table(scores: Dict[str, List[Dict[str, float]]], zero_shot: Optional[str],
               coop: Optional[str], metric: str = 'lt/mAP',
               deterministic: Sequence[str] = ()) -> tuple:
    """Markdown table and CSV rows of mean +- std per column and paired differences.

    Args:
        scores: method -> one metrics dict (``lt/mAP``, ...) per seed, seeds in the
            same order for every method (paired by position).
        zero_shot, coop: the reference methods' names (None: no such column).
        metric: the metric of the differences.
        deterministic: methods whose single run is exact (no training, e.g.
            zero-shot CLIP): they pair with every seed. Any other single-run method
            gets no interval.
    """
    labels = ['mAP', 'head', 'medium', 'tail', 'var.']
    head = ('| method | seeds | ' + ' | '.join(labels)
            + (f' | {metric.split("/")[1]} - zero-shot (95% CI)' if zero_shot else '')
            + (f' | {metric.split("/")[1]} - CoOp (95% CI)' if coop else '') + ' |\n')
    head += '|---|---:|' + '---:|' * len(labels) + '---:|' * (bool(zero_shot) + bool(coop))
    lines, rows = [head], []
    for method, runs in scores.items():
        cells, row = [], dict(method=method, seeds=len(runs))
        for key, col in zip(METRIC_KEYS, COLUMNS[1:]):
            vals = [r[key] for r in runs if key in r]
            if not vals:
                cells.append('n/a')
                continue
            m, sd = mean_std(vals)
            row[col], row[f'{col}_std'] = round(m, 4), round(sd, 4)
            cells.append(f'{m:.2f} +- {sd:.2f}')
        for ref, name in ((zero_shot, 'zero_shot'), (coop, 'coop')):
            if not ref:
                continue
            if method == ref:
                cells.append('-')
                continue
            one_run = [m for m in (method, ref) if len(scores[m]) == 1
                       and m not in deterministic]
            if one_run:
                cells.append(f'n/a ({one_run[0]}: 1 run)')
                continue
            ci = paired_t_interval([r[metric] for r in runs],
                                   [r[metric] for r in scores[ref]])
            row[f'diff_{name}'] = round(ci.mean, 4)
            row[f'diff_{name}_ci95'] = (round(ci.half_width, 4)
                                        if ci.half_width == ci.half_width else '')
            cells.append(ci.fmt())
        lines.append(f'| {method} | {len(runs)} | ' + ' | '.join(cells) + ' |')
        rows.append(row)
    return '\n'.join(lines) + '\n', rows
