"""The suite's comparison tables: over seeds, paired differences per baseline and
group, against hand-computed values."""
import json

import numpy as np
import pytest
from scipy import stats

from lmpt_mm.suite import suite_from_dict, write_report
from lmpt_mm.suite.report import group_differences, seed_table
from lmpt_mm.suite.spec import Baseline


def run(m, head=None):
    return {'lt/mAP': m, 'lt/mAP_head': m if head is None else head, 'lt/mAP_medium': m,
            'lt/mAP_tail': m, 'lt/var': 1.0}


SCORES = {'Zero-shot CLIP': [run(36.0)], 'CoOp': [run(41.0), run(40.0), run(42.0)],
          'LMPT': [run(43.0), run(43.0), run(44.0)], 'ERM': [run(17.0)]}
BASELINES = [Baseline('Zero-shot CLIP', 'zero-shot'), Baseline('CoOp', 'CoOp')]


def test_seed_table_means_intervals_and_single_runs():
    md, rows = seed_table(SCORES, BASELINES, deterministic=['Zero-shot CLIP'])
    assert md.splitlines()[0].endswith('| mAP - zero-shot (95% CI) | mAP - CoOp (95% CI) |')
    assert '| CoOp | 3 | 41.00 +- 1.00 |' in md
    lmpt = next(r for r in rows if r['method'] == 'LMPT')
    assert lmpt['diff_coop'] == pytest.approx(43.333 - 41.0, abs=1e-3)
    half = stats.t.ppf(0.975, 2) * np.std([2, 3, 2], ddof=1) / np.sqrt(3)
    assert lmpt['diff_coop_ci95'] == pytest.approx(half, abs=1e-4)
    assert lmpt['diff_zero_shot'] == pytest.approx(43.333 - 36.0, abs=1e-3)
    assert 'n/a (ERM: 1 run)' in md  # one trained run: no interval


def test_group_differences_pair_each_group_by_seed():
    scores = {'CoOp': [run(41.0, head=50.0), run(40.0, head=52.0)],
              'LMPT': [run(43.0, head=51.0), run(43.0, head=55.0)]}
    md, rows = group_differences(scores, [Baseline('CoOp', 'CoOp')])
    (row, ) = rows
    assert row['method'] == 'LMPT' and row['baseline'] == 'CoOp'
    assert row['head'] == pytest.approx(2.0)  # (1 + 3) / 2
    half = stats.t.ppf(0.975, 1) * np.std([1, 3], ddof=1) / np.sqrt(2)
    assert row['head_ci95'] == pytest.approx(half, abs=1e-4)
    assert row['total'] == pytest.approx(2.5)
    assert '| LMPT | CoOp | 2 |' in md


def test_long_tailed_report_files(tmp_path):
    suite = suite_from_dict(dict(
        title='t', work_dir=str(tmp_path), seeds=[0, 1], baselines=['A'],
        methods=[dict(name='A', stages=[dict(config='a.py', train=False)]),
                 dict(name='B', stages=[dict(config='b.py', seeded=True)])]))
    for wd, m in (('a/a', 30.0), ('b/b_seed0', 33.0), ('b/b_seed1', 35.0)):
        (tmp_path / wd).mkdir(parents=True)
        (tmp_path / wd / 'metrics.json').write_text(json.dumps(run(m)))
    report = write_report(suite, ['A', 'B'])
    md = report.read_text()
    assert '## Over seeds (0, 1; trained methods)' in md and '| B | 2 | 34.00 +- 1.41 |' in md
    groups = (tmp_path / 'comparison_groups.md').read_text()
    assert '| B | A | 2 | +4.00 [' in groups
    assert (tmp_path / 'comparison_seeds.png').read_bytes()[:4] == b'\x89PNG'
    assert (tmp_path / 'comparison.csv').is_file()
