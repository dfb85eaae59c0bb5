"""The comparison over replicates (small CLIPs): nested averaging, the interval over
replicates, the claims' verdicts, and the replicate plan."""
import shlex

import numpy as np
import pytest
from scipy import stats

from lmpt_mm.suite import Launcher, SuiteRunner, suite_from_dict
from lmpt_mm.suite.replicates import replicate_differences, replicate_report, verdict


def run(m, tail=None):
    return {'lt/mAP': m, 'lt/mAP_head': m, 'lt/mAP_medium': m,
            'lt/mAP_tail': m if tail is None else tail, 'lt/var': 1.0}


# replicate -> method -> per-seed metrics; zero-shot: one deterministic run per CLIP
SCORES = {
    'clip0': {'ZS': [run(36.0)], 'A': [run(40.0), run(41.0)], 'B': [run(39.0), run(42.0)]},
    'clip1': {'ZS': [run(37.0)], 'A': [run(44.0), run(44.0)], 'B': [run(43.0), run(46.0)]},
    'clip2': {'ZS': [run(35.0)], 'A': [run(38.0), run(39.0)], 'B': [run(40.0, 10.0),
                                                                    run(41.0, 10.0)]},
}


def test_differences_average_within_then_interval_over_replicates():
    d = replicate_differences(SCORES, 'A', 'ZS')
    per = [40.5 - 36.0, 44.0 - 37.0, 38.5 - 35.0]
    assert list(d['per_replicate'].values()) == pytest.approx(per)
    lo, hi = stats.t.interval(0.95, 2, loc=np.mean(per), scale=stats.sem(per))
    ci = d['interval']
    assert (ci.mean - ci.half_width, ci.mean + ci.half_width) == (pytest.approx(lo),
                                                                   pytest.approx(hi))
    assert d['between'] == pytest.approx(np.std(per, ddof=1))
    within = [np.std([4.0, 5.0], ddof=1), 0.0, np.std([3.0, 4.0], ddof=1)]
    assert d['within'] == pytest.approx(np.sqrt(np.mean(np.square(within))))


def test_verdicts():
    assert verdict(replicate_differences(SCORES, 'A', 'ZS')) == 'reproduced'
    assert verdict(replicate_differences(SCORES, 'ZS', 'A')) == 'contradicted'
    # B - A: +0 / +0.5 / +2.0 on total but tail differs in sign across CLIPs
    tail = replicate_differences(SCORES, 'B', 'A', 'lt/mAP_tail')
    assert verdict(tail) == 'depends on the replicate'
    one = replicate_differences({'clip0': SCORES['clip0']}, 'A', 'ZS')
    assert verdict(one) == 'one replicate: no interval'


def suite(tmp_path, **kw):
    fields = dict(
        title='t', work_dir=str(tmp_path), seeds=[0, 1], baselines=['ZS', 'A'],
        variables=dict(clip='{work_dir}/clip.pt', clip_seed='0'),
        prepare=[dict(name='clip', command=['tools/pretrain_clip.py', '--out', '{clip}',
                                            '--seed', '{clip_seed}'])],
        replicates=[dict(name='clip0', variables=dict(clip_seed='0'), work_dir='reuse'),
                    dict(name='clip1', variables=dict(clip_seed='1'))],
        claims=[dict(text='A beats ZS', method='A', baseline='ZS'),
                dict(text='B beats A on the tail', method='B', baseline='A',
                     group='tail')],
        methods=[dict(name='ZS', stages=[dict(config='z.py', train=False,
                                              cfg_options=['m.pretrained={clip}'])]),
                 dict(name='A', stages=[dict(config='a.py', seeded=True)]),
                 dict(name='B', stages=[dict(config='b.py', seeded=True)])])
    fields.update(kw)
    return suite_from_dict(fields)


def test_each_replicate_runs_the_suite_with_its_variables_and_work_dir(tmp_path):
    s = suite(tmp_path)
    first, second = (s.replicate(r) for r in s.replicates)
    assert first.work_dir == 'reuse' and second.work_dir == str(tmp_path / 'clip1')
    assert second.expand(second.prepare[0].command[-1]) == '1'
    zs = shlex.split(SuiteRunner(second, Launcher()).dry_run()[0])
    assert f'm.pretrained={tmp_path}/clip1/clip.pt' in zs


def test_replicate_report_names_claims_and_levels(tmp_path):
    s = suite(tmp_path)
    scores = {r: {'ZS': v['ZS'], 'A': v['A'], 'B': v['B']}
              for r, v in list(SCORES.items())[:2]}
    text = replicate_report(s, scores).read_text()
    assert '| A | 40.50 | 44.00 | 42.25 +- 2.47 |' in text
    assert '| A beats ZS | A - ZS (total) |' in text
    assert '| B | ZS | tail | +4.50 | +7.50 |' in text
    assert '| ZS | A |' not in text  # the mirror of A - ZS is not repeated
    assert (tmp_path / 'comparison_replicates.csv').is_file()


@pytest.mark.parametrize('change, match', [
    (dict(claims=[dict(text='x', method='C', baseline='A')]), "names 'C'"),
    (dict(claims=[dict(text='x', method='A', baseline='ZS', group='rare')]), 'group'),
    (dict(replicates=[dict(name='c'), dict(name='c')]), 'unique'),
    (dict(held_out=[dict(name='clip1')]), 'unique'),
    (dict(replicates=[dict(name='clip0')], held_out=[dict(name='clip1')]),
     'at least 2'),
])
def test_bad_replicates_and_claims_are_refused(tmp_path, change, match):
    from lmpt_mm.suite import SuiteError
    with pytest.raises(SuiteError, match=match):
        suite(tmp_path, **change)


def test_held_out_replicates_are_checked_against_the_prediction_interval(tmp_path):
    s = suite(tmp_path, held_out=[dict(name='clip2', variables=dict(clip_seed='2')),
                                  dict(name='far', variables=dict(clip_seed='9'))])
    assert [r.name for r in s.held_out] == ['clip2', 'far']
    assert s.replicate(s.held_out[0]).work_dir == str(tmp_path / 'clip2')
    scores = dict(SCORES, far={'ZS': [run(36.0)], 'A': [run(90.0), run(90.0)],
                                'B': [run(40.0), run(41.0)]})
    text = replicate_report(s, scores).read_text()
    # The intervals and the means come from clip0 and clip1 only.
    assert '| A | 40.50 | 44.00 | 38.50 | 90.00 | 42.25 +- 2.47 |' in text
    per = [4.5, 7.0]
    half = stats.t.ppf(0.975, 1) * np.std(per, ddof=1) * np.sqrt(1 + 1 / 2)
    pi = f'+5.75 [{5.75 - half:+.2f}, {5.75 + half:+.2f}]'
    # A - ZS: clip2 +3.50 lands inside, `far` (+54.00) outside.
    assert '| A | ZS | total | +4.50 | +7.00 | ' in text
    assert f'| {pi} | 1.77 | 0.50 | +3.50 | +54.00 OUT |' in text
    assert f'| {pi} | +3.50 | +54.00 OUT |' in text  # the claim "A beats ZS"
    assert 'outside: far: A - ZS (total) +54.00' in text
    assert 'outside: clip2: A - ZS' not in text
    # clip2's B tail (10.0) is far below its total: B - A on the tail falls outside.
    assert 'outside: clip2: B - A (tail) -28.50' in text
    assert 'Held out: 15 of 24 differences' in text
    # Once checked, the held-out replicates count as evidence like the others.
    pooled = text.split('## Claims over all 4 replicates (held-out included)')[1]
    per = [4.5, 7.0, 3.5, 54.0]
    lo, hi = stats.t.interval(0.95, 3, loc=np.mean(per), scale=stats.sem(per))
    assert (f'| A beats ZS | +4.50 | +7.00 | +3.50 | +54.00 | '
            f'{np.mean(per):+.2f} [{lo:+.2f}, {hi:+.2f}] | not established |') in pooled
