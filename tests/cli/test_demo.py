"""run_demo's orchestration, with the tools replaced by a recorder (the real runs are
tests/tools/test_demo_reduced.py)."""
import re
import threading
import time

import pytest

import lmpt_mm.cli.demo as demo
from lmpt_mm.cli.demo import METHODS, DemoSettings, run_demo


@pytest.fixture
def recorded(monkeypatch, tmp_path):
    """Replace every subprocess of run_demo; return the list of recorded calls."""
    calls, lock = [], threading.Lock()

    def fake_run(cmd, log_file, step, t0, threads=None):
        with lock:
            calls.append(dict(tool=cmd[1], config=cmd[2], work_dir=cmd[cmd.index(
                '--work-dir') + 1], threads=threads, thread=threading.get_ident()))
        time.sleep(0.05)  # let the other job run meanwhile

    monkeypatch.setattr(demo, '_run', fake_run)
    monkeypatch.setattr(demo, 'make_world_and_clip', lambda *a, **k: None)
    monkeypatch.setattr(demo, 'last_checkpoint', lambda d: f'{d}/epoch_1.pth')
    monkeypatch.setattr(demo.subprocess, 'run', lambda *a, **k: None)
    tables = []
    monkeypatch.setattr(demo, 'write_seed_table', lambda s, dirs: tables.append(dirs))
    monkeypatch.setattr(demo.os, 'cpu_count', lambda: 4)
    return calls, tables


@pytest.mark.parametrize('jobs', [1, 2])
def test_each_method_runs_its_stages_and_seeds_in_order(recorded, tmp_path, jobs, capsys):
    calls, tables = recorded
    settings = DemoSettings(out_dir=tmp_path, data_dir=tmp_path / 'data', seeds=(0, 1),
                            jobs=jobs)
    run_demo(settings)
    # the announced total: world, CLIP (their headers are not printed here), one step
    # per tool run, the table
    steps = re.findall(r'\[(\d+)/(\d+)\]', capsys.readouterr().out)
    assert len(steps) == len(calls) + 1
    assert {int(total) for _, total in steps} == {len(calls) + 3}
    for method in METHODS:
        runs = [(c['tool'], c['work_dir'].split('/')[-1]) for c in calls
                if c['config'].split('/')[-1][:-3] in method.stages]
        last = method.stages[-1]
        expected = [('tools/train.py', s) for s in method.stages[:-1]]
        for d in (last, f'{last}_seed1') if method.seeded else (last, ):
            expected += ([('tools/train.py', d)] if method.train else []) + [
                ('tools/test.py', d)]
        assert runs == expected, method.name
    # the table over seeds keeps the methods' order
    assert list(tables[0]) == [m.name for m in METHODS]
    # one job: torch's own thread choice; two: half the cores each
    assert {c['threads'] for c in calls} == {None if jobs == 1 else 2}
    assert len({c['thread'] for c in calls}) == jobs


def test_jobs_must_be_positive(recorded, tmp_path):
    with pytest.raises(ValueError, match='jobs must be at least 1'):
        run_demo(DemoSettings(out_dir=tmp_path, jobs=0))
    assert recorded[0] == []  # refused before the first step


@pytest.mark.parametrize('jobs', [1, 2])
def test_a_failed_method_stops_the_queued_ones(recorded, monkeypatch, tmp_path, jobs):
    calls, _ = recorded
    recorder = demo._run

    def failing_run(cmd, log_file, step, t0, threads=None):
        recorder(cmd, log_file, step, t0, threads)
        if 'dualcoop' in cmd[2]:
            raise demo.DemoError(f'{step} failed')

    monkeypatch.setattr(demo, '_run', failing_run)
    with pytest.raises(demo.DemoError, match='DualCoOp: train'):
        run_demo(DemoSettings(out_dir=tmp_path, seeds=(0, ), jobs=jobs))
    started = [c['config'] for c in calls]
    # ERM and DB-Focal come after the failure in the queue: never started
    assert not any('resnet18' in c for c in started), started


def test_a_rerun_starts_from_an_empty_work_dir(recorded, tmp_path):
    """An earlier configuration's checkpoints would stop the new run at the work-dir
    guard (tools/train.py), and the demo retrains every run anyway."""
    stale = tmp_path / 'resnet18_erm_synth-lt' / 'epoch_15.pth'
    stale.parent.mkdir()
    stale.write_bytes(b'old run')
    kept = tmp_path / 'feature_cache' / 'x.pt'  # not a run: kept
    kept.parent.mkdir()
    kept.write_bytes(b'cache')
    run_demo(DemoSettings(out_dir=tmp_path, seeds=(0, )))
    assert not stale.exists() and kept.exists()
