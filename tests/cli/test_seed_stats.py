"""Mean +- std over seeds and the paired t-interval against a scipy/numpy oracle."""
import numpy as np
import pytest
from scipy import stats

from lmpt_mm.cli.seed_stats import mean_std, paired_t_interval, seed_table


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


def test_mean_std_and_table():
    assert mean_std([1.0, 3.0]) == (2.0, pytest.approx(2 ** 0.5))
    assert mean_std([5.0]) == (5.0, 0.0)

    def run(m):
        return {'lt/mAP': m, 'lt/mAP_head': m, 'lt/mAP_medium': m, 'lt/mAP_tail': m,
                'lt/var': 1.0}
    scores = {'Zero-shot CLIP': [run(36.0)], 'CoOp': [run(41.0), run(40.0), run(42.0)],
              'LMPT': [run(43.0), run(43.0), run(44.0)], 'ERM': [run(17.0)]}
    md, rows = seed_table(scores, 'Zero-shot CLIP', 'CoOp',
                          deterministic=['Zero-shot CLIP'])
    assert '| CoOp | 3 | 41.00 +- 1.00 |' in md
    lmpt = next(r for r in rows if r['method'] == 'LMPT')
    assert lmpt['diff_coop'] == pytest.approx(43.333 - 41.0, abs=1e-3)
    half = stats.t.ppf(0.975, 2) * np.std([2, 3, 2], ddof=1) / np.sqrt(3)
    assert lmpt['diff_coop_ci95'] == pytest.approx(half, abs=1e-4)
    assert 'n/a (ERM: 1 run)' in md  # one trained run: no interval


def test_demo_seed_runs_overrides_and_table(tmp_path):
    import json

    from lmpt_mm.cli.demo import (METHODS, DemoSettings, _overrides, seed_work_dir,
                                  write_seed_table)
    settings = DemoSettings(out_dir=tmp_path, methods=[m for m in METHODS if m.name in (
        'Zero-shot CLIP', 'CoOp', 'LMPT')], seeds=(0, 1, 2))
    assert seed_work_dir(tmp_path, 'coop', 0, 0) == tmp_path / 'coop'
    assert seed_work_dir(tmp_path, 'coop', 2, 0) == tmp_path / 'coop_seed2'
    opts = _overrides(settings, 'coop_synth-vit_synth-lt', None, train=True, seed=2)
    assert 'randomness.seed=2' in opts
    cache = f'feature_cache.dir={(tmp_path / "feature_cache").resolve()}'
    assert cache in opts  # every seed reads one feature cache
    stage2 = _overrides(settings, 'hpdval-stage2_synth-vit_synth-lt', None, train=True,
                        seed=1)
    assert 'randomness.seed=1' in stage2 and not any('feature_cache' in o for o in stage2)
    assert not any('randomness' in o for o in _overrides(
        settings, 'coop_synth-vit_synth-lt', None, train=False, seed=2))

    def run(name, m):
        d = tmp_path / name
        d.mkdir()
        (d / 'metrics.json').write_text(json.dumps(
            {'lt/mAP': m, 'lt/mAP_head': m + 1, 'lt/mAP_medium': m, 'lt/mAP_tail': m - 1,
             'lt/var': 10.0}))
        return d
    (tmp_path / 'comparison.md').write_text('| seed-0 table |\n')
    text = write_seed_table(settings, {
        'Zero-shot CLIP': [run('zs', 36.0)],
        'CoOp': [run('c0', 41.0), run('c1', 40.0), run('c2', 42.0)],
        'LMPT': [run('l0', 43.0), run('l1', 43.0), run('l2', 44.0)]})
    md = (tmp_path / 'comparison.md').read_text()
    assert md.startswith('| seed-0 table |') and text in md
    assert '## Over seeds (0, 1, 2' in md and 'Student-t' in md
    half = stats.t.ppf(0.975, 2) * 1.0 / np.sqrt(3)
    assert f'| CoOp | 3 | 41.00 +- 1.00 | 42.00 +- 1.00 |' in md
    assert f'+5.00 [{5 - half:+.2f}, {5 + half:+.2f}]' in md  # CoOp - zero-shot
    rows = (tmp_path / 'comparison_seeds.csv').read_text().splitlines()
    assert rows[0].startswith('method,seeds,mAP,mAP_std') and len(rows) == 4
