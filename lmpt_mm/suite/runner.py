"""Run a suite: prepare, every method's steps (resumable), then the comparison.

Resuming. Each run's work dir holds ``suite_run.json``: per action (``train``,
``test``, ``fewshot``) its run key - a hash of the resolved config (the config with its
``_base_`` files and every option merged, :func:`lmpt_mm.utils.hashing.config_run_record`),
the tool's arguments and the sha256 of the checkpoint it reads - and whether it
finished. A step whose key is recorded as finished is skipped (a test also needs its
``metrics.json``); a training run recorded as started with the same key resumes from
its last checkpoint (``--resume``); a run recorded with another key is deleted with a
line naming what changed, and runs afresh. ``tools/fewshot.py`` resumes its episodes
itself.

Failures. A failing step is reported with its log; the steps that need it are skipped,
the other methods go on (``fail_fast`` stops starting new steps), and the comparison
covers the methods that finished.

Scheduling. ``jobs`` runs go at a time. The unit of work is a method's steps that run
once (e.g. HP-DVAL's stage 1), or one seed's steps (train, then test): units start in
plan order as soon as the steps they need have ended, so one method's seeds run side by
side once its shared stages are done. With more than one job each run gets
``cores // jobs`` threads unless ``OMP_NUM_THREADS`` is set, and with ``--launcher
pytorch`` its own port.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence

from lmpt_mm.cli.compare import find_metrics
from lmpt_mm.utils.hashing import config_run_record, differences, file_sha256, json_digest
from lmpt_mm.utils.process import ToolError, run_logged

from .plan import Launcher, Step, command, plan, shell_line
from .spec import Suite

RECORD = 'suite_run.json'
# Tool log lines echoed with ``echo_tools`` (the rest stays in the run's log).
_PROGRESS = re.compile(r'Epoch\((train|val|test)\)\s+\[[^\]]*\]\[\s*\d+/\d+\]|'
                       r'FeatureCache|Saving checkpoint|GroupAveragePrecision on|'
                       r'^\[(pretrain_clip|fewshot)')


@dataclass
class StepOutcome:
    step: Step
    status: str  # 'done', 'skipped' (up to date), 'failed', 'blocked' (a needed step failed)
    seconds: float = 0.0
    error: Optional[str] = None


@dataclass
class SuiteOutcome:
    """What a run of a suite did, step by step, and where the comparison is."""
    suite: Suite
    outcomes: List[StepOutcome] = field(default_factory=list)
    report: Optional[Path] = None

    @property
    def failed(self) -> List[StepOutcome]:
        return [o for o in self.outcomes if o.status == 'failed']

    def finished_methods(self) -> List[str]:
        bad = {o.step.method for o in self.outcomes if o.status in ('failed', 'blocked')}
        return [m.name for m in self.suite.methods if m.name not in bad]


def _read_record(work_dir: Path) -> dict:
    path = work_dir / RECORD
    if not path.is_file():
        return {}
    try:
        record = json.loads(path.read_text())
    except json.JSONDecodeError:
        return {}
    return record if isinstance(record, dict) else {}


def _write_record(work_dir: Path, action: str, entry: dict) -> None:
    record = _read_record(work_dir)
    record[action] = entry
    work_dir.mkdir(parents=True, exist_ok=True)
    tmp = work_dir / f'.{RECORD}.tmp'
    tmp.write_text(json.dumps(record, indent=1, default=str) + '\n')
    os.replace(tmp, work_dir / RECORD)


def step_record(step: Step, suite: Suite) -> dict:
    """What a step's result depends on (its run key is ``json_digest`` of this)."""
    source = step.checkpoint()
    checkpoint = None
    if source is not None:
        path = source.resolve()
        checkpoint = file_sha256(path)
    return dict(config_run_record(step.stage.config, step.options, action=step.action,
                                  fewshot_args=[suite.expand(a) for a in suite.fewshot_args]
                                  if step.action == 'fewshot' else []),
                checkpoint_sha256=checkpoint)


def _test_is_current(step: Step) -> bool:
    """The work dir's ``metrics.json`` exists and names the checkpoint now there (a
    few-shot run: every K's summary exists)."""
    if step.action == 'fewshot':
        return bool(list(step.work_dir.glob('*shot/metrics.json')))
    metrics = step.work_dir / 'metrics.json'
    if not metrics.is_file():
        return False
    if not step.stage.train:
        return True
    try:
        tested = (json.loads(metrics.read_text()).get('checkpoint') or {}).get('sha256')
        return tested == file_sha256(step.checkpoint().resolve())
    except (OSError, ValueError, AttributeError):
        return False


class SuiteRunner:
    """Runs a planned suite with a launcher; ``print_fn`` receives the progress lines."""

    def __init__(self, suite: Suite, launcher: Launcher = Launcher(), jobs: Optional[int] = None,
                 fail_fast: bool = False, print_fn: Callable[[str], None] = print,
                 echo_tools: bool = False) -> None:
        self.suite = suite
        self.launcher = launcher
        self.jobs = jobs or suite.jobs
        if self.jobs < 1:
            raise ValueError(f'jobs must be at least 1, got {self.jobs}')
        self.fail_fast = fail_fast
        self.print = print_fn
        self.echo_tools = echo_tools
        self.chains = plan(suite)
        self.total = sum(len(c) for c in self.chains)
        self._lock = threading.Lock()
        self._t0 = time.time()
        self._durations: Dict[tuple, List[float]] = {}
        self._stop = False
        self._bad: set = set()  # indices of the steps that failed or were blocked

    # -- progress ---------------------------------------------------------------
    def _fmt(self, seconds: float) -> str:
        s = int(round(seconds))
        return f'{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}'

    def _estimate_left(self, remaining: Sequence[Step]) -> Optional[float]:
        every = [d for ds in self._durations.values() for d in ds]
        if not every:
            return None
        mean_all = sum(every) / len(every)
        total = 0.0
        for step in remaining:
            own = self._durations.get((step.method, step.stage.config, step.action))
            total += sum(own) / len(own) if own else mean_all
        return total / self.jobs

    def _line(self, step: Step, text: str,
              remaining: Optional[Sequence[Step]] = None) -> None:
        with self._lock:
            left = self._estimate_left(remaining) if remaining is not None else None
            est = f' | ~{self._fmt(left)} left' if left is not None else ''
            width = len(str(self.total))
            self.print(f'[{step.index + 1:>{width}}/{self.total}] '
                       f'{self._fmt(time.time() - self._t0)} | {step.label} | {text}{est}')

    # -- running ----------------------------------------------------------------
    def dry_run(self) -> List[str]:
        """Every command of the suite, one shell line each (checkpoints that earlier
        runs write are ``$(cat .../last_checkpoint)``)."""
        lines = []
        for chain in self.chains:
            for step in chain:
                argv, env = command(step, self.suite, self.launcher, resolve=False)
                lines.append(shell_line(argv, env))
        return lines

    def _env(self, slot: int) -> Dict[str, str]:
        env: Dict[str, str] = {}
        if self.jobs > 1:
            env['OMP_NUM_THREADS'] = str(max(1, (os.cpu_count() or self.jobs) // self.jobs))
            if self.launcher.kind == 'pytorch':
                env['PORT'] = str(int(os.environ.get('PORT', 29500)) + slot)
        return env

    def _run_step(self, step: Step, slot: int) -> StepOutcome:
        wd = step.work_dir
        record = _read_record(wd).get(step.action) or {}
        try:
            resolved = step_record(step, self.suite)
        except Exception as err:  # a config that does not load is this step's failure
            return StepOutcome(step, 'failed', error=f'{step.stage.config}: {err}')
        key = json_digest(resolved, 16)
        if record.get('key') == key and record.get('finished') and (
                step.action == 'train' and (wd / 'last_checkpoint').is_file()
                and not self._lacks_final_validation(step)
                or step.action != 'train' and _test_is_current(step)):
            return StepOutcome(step, 'skipped')
        resume = False
        if step.action == 'train' and wd.exists():
            if record.get('key') == key:
                resume = (wd / 'last_checkpoint').is_file()
            elif any(wd.iterdir()):
                why = (differences(record.get('resolved'), resolved)
                       if record.get('resolved') else ['no suite record'])
                self._line(step, f'replacing the earlier run in {wd} ({"; ".join(why)})',
                           None)
                shutil.rmtree(wd)
        argv, env = command(step, self.suite, self.launcher, resume=resume)
        env.update(self._env(slot))
        entry = dict(key=key, finished=False, command=argv, resolved=resolved)
        _write_record(wd, step.action, entry)
        self._line(step, ('resuming' if resume else 'started') + f' (log: {step.log})', None)
        t0 = time.time()
        echo = (lambda line: self.print(f'    {step.method}: {line[-160:]}')) \
            if self.echo_tools else None
        try:
            run_logged(argv, step.log, env, echo=echo, echo_pattern=_PROGRESS)
        except ToolError as err:
            return StepOutcome(step, 'failed', time.time() - t0,
                               f'{err.log} (exit {err.code})')
        if resume and self._lacks_final_validation(step):
            # stopped between saving its last epoch and validating it: the resumed run
            # had no epoch left to train, so it never validated
            self._line(step, 'resumed after its last epoch without the final validation; '
                       'running it again from the start', None)
            shutil.rmtree(wd)
            return self._run_step(step, slot)
        _write_record(wd, step.action, dict(entry, finished=True))
        return StepOutcome(step, 'done', time.time() - t0)

    def _lacks_final_validation(self, step: Step) -> bool:
        """A training run of a validation-split suite whose newest run logged no
        validation metrics (what the suite's comparison reads)."""
        if self.suite.split != 'val' or step.action != 'train':
            return False
        try:
            find_metrics(step.work_dir, 'val')
        except ValueError:
            return True
        return False

    def _run_unit(self, unit: List[Step], slot: int, remaining: List[Step]
                  ) -> List[StepOutcome]:
        outcomes: List[StepOutcome] = []
        for step in unit:
            with self._lock:
                blocked = self._stop or any(i in self._bad for i in step.after)
                if blocked:
                    self._bad.add(step.index)
                    remaining.remove(step)
            if blocked:
                outcomes.append(StepOutcome(step, 'blocked'))
                continue
            outcome = self._run_step(step, slot)
            with self._lock:
                remaining.remove(step)
                if outcome.status == 'done':
                    self._durations.setdefault(
                        (step.method, step.stage.config, step.action), []).append(
                            outcome.seconds)
                elif outcome.status == 'failed':
                    self._bad.add(step.index)
            if outcome.status == 'failed':
                if self.fail_fast:
                    self._stop = True
                self._line(step, f'FAILED: {outcome.error}', remaining)
            elif outcome.status == 'skipped':
                self._line(step, 'up to date, skipped', remaining)
            else:
                self._line(step, f'done in {self._fmt(outcome.seconds)}', remaining)
            outcomes.append(outcome)
        return outcomes

    def prepare(self) -> None:
        """The suite's prepare commands (each tool skips what is up to date)."""
        logs = Path(self.suite.work_dir) / 'logs'
        for i, step in enumerate(self.suite.prepare):
            argv = [self.launcher.python] + [self.suite.expand(a) for a in step.command]
            name = self.suite.expand(step.name)
            self.print(f'[prepare {i + 1}/{len(self.suite.prepare)}] '
                       f'{self._fmt(time.time() - self._t0)} | {name}')
            run_logged(argv, logs / f'prepare_{i + 1}.log')

    def run(self) -> SuiteOutcome:
        """Prepare, then every method's steps; returns what happened (no comparison)."""
        self._t0 = time.time()
        self._bad.clear()
        self.prepare()
        remaining = [s for chain in self.chains for s in chain]
        planned = {s.index for s in remaining}
        pending = [unit for chain in self.chains for unit in work_units(chain)]
        ended: set = set()
        outcomes: List[StepOutcome] = []
        ready = threading.Condition()

        def needs(unit: List[Step]) -> set:
            own = {s.index for s in unit}
            return {i for s in unit for i in s.after if i in planned and i not in own}

        def take() -> Optional[List[Step]]:
            with ready:
                while pending:
                    unit = next((u for u in pending if needs(u) <= ended), None)
                    if unit is not None:
                        pending.remove(unit)
                        return unit
                    ready.wait()
                return None

        def worker(slot: int) -> None:
            while (unit := take()) is not None:
                done: List[StepOutcome] = []
                try:
                    done = self._run_unit(unit, slot, remaining)
                finally:
                    with ready:
                        ended.update(s.index for s in unit)
                        outcomes.extend(done)
                        ready.notify_all()

        with ThreadPoolExecutor(max_workers=self.jobs) as pool:
            for future in [pool.submit(worker, slot) for slot in range(self.jobs)]:
                future.result()
        result = SuiteOutcome(self.suite)
        result.outcomes = sorted(outcomes, key=lambda o: o.step.index)
        return result


def work_units(chain: List[Step]) -> List[List[Step]]:
    """A method's chain cut into units that may run side by side: its steps that run
    once, then each seed's steps (consecutive steps of one seed stay together)."""
    units: List[List[Step]] = []
    for step in chain:
        if units and units[-1][-1].seed == step.seed:
            units[-1].append(step)
        else:
            units.append([step])
    return units

