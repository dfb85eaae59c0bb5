"""tools/run_suite.py end to end on a tiny suite: a method over 2 seeds, one trained
once (unseeded) and one that fails, then the same suite interrupted (a training run
left unfinished) and resumed, then with one method's options changed (its runs are replaced; the option does not
change the computation, so the same training twice must give the same metrics)."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CONFIG = str(REPO / 'tests' / 'fixtures' / 'tiny_lmpt_lt.py')
pytestmark = pytest.mark.slow

SUITE = """
title = 'tiny suite'
work_dir = {work_dir!r}
seeds = [0, 1]
baselines = ['B']
variables = dict(data={data!r})
train_options = [
    'train_dataloader.dataset.data_root={{data}}', 'val_dataloader.dataset.data_root={{data}}',
    'test_dataloader.dataset.data_root={{data}}', 'train_cfg.max_epochs=1',
    'train_cfg.val_interval=1']
test_options = ['test_dataloader.dataset.data_root={{data}}']
methods = [
    dict(name='A', stages=[dict(config={config!r}, seeded=True,
                                train_options=['default_hooks.logger.interval={log_a}'])]),
    dict(name='Broken', stages=[dict(config={config!r},
                                     train_options=['model.head.type=NoSuchHead'])]),
    dict(name='B', stages=[dict(config={config!r},
                                train_options=['optim_wrapper.optimizer.lr=0.0'])]),
]
"""


def run(suite: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONUNBUFFERED='1', OMP_NUM_THREADS='1')
    return subprocess.run([sys.executable, 'tools/run_suite.py', str(suite), '--jobs', '2',
                           *args], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=900)


def write_suite(path: Path, work_dir: Path, data: Path, log_a: int) -> Path:
    path.write_text(SUITE.format(work_dir=str(work_dir), data=str(data), config=CONFIG,
                                 log_a=log_a))
    return path


def mtimes(work_dir: Path) -> dict:
    return {p: p.stat().st_mtime_ns for p in work_dir.glob('*/*/suite_*.log')}


def lt_metrics(run_dir: Path) -> dict:
    record = json.loads((run_dir / 'metrics.json').read_text())
    return {k: v for k, v in record.items() if k.startswith('lt/')}


def test_suite_runs_reports_failures_resumes_and_reruns_changed_runs(tiny_lt_world,
                                                                     tmp_path):
    wd = tmp_path / 'suite'
    suite = write_suite(tmp_path / 'tiny_suite.py', wd, tiny_lt_world, 1)

    first = run(suite)
    assert first.returncode == 1, first.stdout[-3000:] + first.stderr[-3000:]
    out = first.stdout
    # the failing method is reported with its log, the others finish
    assert 'FAILED Broken | train tiny_lmpt_lt' in out
    assert str(wd / 'broken' / 'tiny_lmpt_lt' / 'suite_train.log') in out
    assert 'NoSuchHead' in (wd / 'broken' / 'tiny_lmpt_lt' / 'suite_train.log').read_text()
    for run_dir in ('a/tiny_lmpt_lt_seed0', 'a/tiny_lmpt_lt_seed1', 'b/tiny_lmpt_lt'):
        assert 0.0 < lt_metrics(wd / run_dir)['lt/mAP'] <= 100.0
    first_a0 = lt_metrics(wd / 'a' / 'tiny_lmpt_lt_seed0')
    md = (wd / 'comparison.md').read_text()
    assert '| A | 2 |' in md and '| B | 1 |' in md and 'Broken' not in md
    # A over its 2 seeds against the baseline B, a single run (as zero-shot CLIP)
    assert '| A | B | 2 |' in (wd / 'comparison_groups.md').read_text()
    # every progress line names method, seed, step, elapsed time
    assert '| A | seed 1 | train tiny_lmpt_lt | done in 0:00:' in out

    # Interrupted: B's training left unfinished, its test never ran.
    b_run = wd / 'b' / 'tiny_lmpt_lt'
    record = json.loads((b_run / 'suite_run.json').read_text())
    record['train']['finished'] = False
    del record['test']
    (b_run / 'suite_run.json').write_text(json.dumps(record))
    (b_run / 'metrics.json').unlink()
    before = mtimes(wd)
    second = run(suite)
    assert second.returncode == 1  # a failed run is tried again, and fails again
    assert 'FAILED Broken | train tiny_lmpt_lt' in second.stdout
    after = mtimes(wd)
    untouched = [p for p in before if 'broken' not in str(p) and b_run not in p.parents]
    assert untouched and all(after[p] == before[p] for p in untouched)
    assert '| B | train tiny_lmpt_lt | resuming' in second.stdout
    resumed = json.loads((b_run / 'suite_run.json').read_text())
    assert '--resume' in resumed['train']['command'] and resumed['train']['finished']
    assert (b_run / 'metrics.json').is_file()

    # A's options changed (its log interval): its runs are replaced, B's kept, and
    # the same training twice gives the same metrics (determinism on one machine;
    # another CPU type may differ).
    write_suite(suite, wd, tiny_lt_world, 2)
    before = mtimes(wd)
    third = run(suite, '--only', 'A', 'B', '--seeds', '0')
    assert third.returncode == 0, third.stdout[-3000:]
    assert 'replacing the earlier run' in third.stdout and 'default_hooks' in third.stdout
    a0 = wd / 'a' / 'tiny_lmpt_lt_seed0' / 'suite_train.log'
    b0 = wd / 'b' / 'tiny_lmpt_lt' / 'suite_train.log'
    assert mtimes(wd)[a0] != before[a0] and mtimes(wd)[b0] == before[b0]
    assert json.loads((wd / 'a' / 'tiny_lmpt_lt_seed0' / 'suite_run.json').read_text(
    ))['train']['resolved']['config']['default_hooks']['logger']['interval'] == 2
    assert lt_metrics(wd / 'a' / 'tiny_lmpt_lt_seed0') == first_a0
