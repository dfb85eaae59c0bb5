"""How the suite runner schedules runs with several jobs: a method's seeds run side by
side once the steps they need (its stages that run once) have ended, and a failure
blocks only the steps that need it. The steps themselves are stubbed (no tools run)."""
import threading
import time

import pytest

from lmpt_mm.suite import SuiteRunner, suite_from_dict
from lmpt_mm.suite.runner import StepOutcome, work_units


def two_stage_suite(tmp_path, seeds=(0, 1)):
    return suite_from_dict(dict(
        title='t', work_dir=str(tmp_path / 'w'), seeds=list(seeds),
        methods=[
            dict(name='A', stages=[dict(config='a1.py'),
                                   dict(config='a2.py', seeded=True,
                                        init_from_previous=True)]),
            dict(name='B', stages=[dict(config='b.py', seeded=True)]),
        ]))


class Recorder:
    """Stands in for ``SuiteRunner._run_step``: logs start and end of every step, fails
    the steps named in ``fail``; the seed-0 train of a method named in ``meet`` waits
    until that method's seed-1 train has started (so it returns only when the two ran
    side by side, or after ``timeout``)."""

    def __init__(self, fail=(), meet=(), timeout=10.0):
        self.events, self.fail, self.meet, self.timeout = [], set(fail), set(meet), timeout
        self.lock = threading.Lock()
        self.started = {m: threading.Event() for m in self.meet}
        self.met = {}

    def __call__(self, step, slot):
        name = (step.method, step.stage.stem, step.action, step.seed)
        with self.lock:
            self.events.append(('start', name))
        if step.method in self.meet and step.action == 'train':
            if step.seed == 1:
                self.started[step.method].set()
            elif step.seed == 0:
                self.met[step.method] = self.started[step.method].wait(self.timeout)
        time.sleep(0.01)
        with self.lock:
            self.events.append(('end', name))
        if name in self.fail:
            return StepOutcome(step, 'failed', error='stub failure')
        return StepOutcome(step, 'done', 0.01)

    def index(self, kind, name):
        return self.events.index((kind, name))


def run(suite, recorder, jobs):
    runner = SuiteRunner(suite, jobs=jobs, print_fn=lambda line: None)
    runner._run_step = recorder
    return runner.run()


def test_units_are_the_once_steps_then_each_seed(tmp_path):
    suite = two_stage_suite(tmp_path)
    chain_a = SuiteRunner(suite, print_fn=lambda line: None).chains[0]
    units = work_units(chain_a)
    assert [[(s.stage.stem, s.action, s.seed) for s in u] for u in units] == [
        [('a1', 'train', None)],
        [('a2', 'train', 0), ('a2', 'test', 0)],
        [('a2', 'train', 1), ('a2', 'test', 1)],
    ]


def test_seeds_run_side_by_side_after_the_stage_they_start_from(tmp_path):
    rec = Recorder(meet={'A'})
    outcome = run(two_stage_suite(tmp_path), rec, jobs=2)
    assert [o.status for o in outcome.outcomes] == ['done'] * len(outcome.outcomes)
    assert [o.step.index for o in outcome.outcomes] == sorted(
        o.step.index for o in outcome.outcomes)
    assert rec.met == {'A': True}  # its seeds 0 and 1 overlapped
    stage1_end = rec.index('end', ('A', 'a1', 'train', None))
    for seed in (0, 1):
        assert rec.index('start', ('A', 'a2', 'train', seed)) > stage1_end
        assert (rec.index('start', ('A', 'a2', 'test', seed))
                > rec.index('end', ('A', 'a2', 'train', seed)))


def test_one_job_runs_the_plan_in_order(tmp_path):
    rec = Recorder()
    outcome = run(two_stage_suite(tmp_path), rec, jobs=1)
    starts = [name for kind, name in rec.events if kind == 'start']
    assert starts == [(o.step.method, o.step.stage.stem, o.step.action, o.step.seed)
                      for o in outcome.outcomes]


@pytest.mark.parametrize('jobs', [1, 2])
def test_a_failed_shared_stage_blocks_only_what_needs_it(tmp_path, jobs):
    rec = Recorder(fail={('A', 'a1', 'train', None)})
    outcome = run(two_stage_suite(tmp_path), rec, jobs=jobs)
    status = {(o.step.method, o.step.stage.stem, o.step.action, o.step.seed): o.status
              for o in outcome.outcomes}
    assert status.pop(('A', 'a1', 'train', None)) == 'failed'
    assert {k: v for k, v in status.items() if k[0] == 'A'} == {
        ('A', 'a2', action, seed): 'blocked' for action in ('train', 'test')
        for seed in (0, 1)}
    assert {v for k, v in status.items() if k[0] == 'B'} == {'done'}
    assert not any(name[0] == 'A' and name[1] == 'a2' for _, name in rec.events)
    assert outcome.finished_methods() == ['B']


def test_a_failed_seed_blocks_only_its_own_test(tmp_path):
    rec = Recorder(fail={('B', 'b', 'train', 0)})
    outcome = run(two_stage_suite(tmp_path), rec, jobs=2)
    status = {(o.step.method, o.step.action, o.step.seed): o.status
              for o in outcome.outcomes if o.step.method == 'B'}
    assert status == {('B', 'train', 0): 'failed', ('B', 'test', 0): 'blocked',
                      ('B', 'train', 1): 'done', ('B', 'test', 1): 'done'}
