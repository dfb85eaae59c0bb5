"""A suite's run end to end, with its settings chosen on the run's own data first.

Without ``select_settings`` this is :class:`SuiteRunner` as it is. With it (e.g. the
offline yardstick, where every pretrained CLIP gets its own selection):

1. the stages the selection reads and cannot change (:meth:`Suite.before_selection`:
   HP-DVAL's stage 1, from which its stage-2 trials start), prepare included;
2. the selection protocol of ``tools/select_offline.py``
   (:func:`lmpt_mm.suite.selection.run_selection`) on the selection suite, its
   ``cfg_options`` expanded with this suite's variables, into ``work_dir``; finished
   trials are reused, so a re-run costs nothing here;
3. the whole suite, each selected method with its chosen setting (the runs of step 1
   are found up to date).
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Callable, List, Optional

from .plan import Launcher, shell_line
from .runner import SuiteOutcome, SuiteRunner
from .selection import load_selection, run_selection, run_trial
from .spec import Suite


def selection_suite(suite: Suite):
    """The selection suite and grid of ``suite.select_settings``, its fields overridden
    with this suite's variables filled in, writing to the expanded ``work_dir``."""
    sel = suite.select_settings
    options = {k: suite.expand(v) for k, v in sel.cfg_options.items()}
    chooser, grid = load_selection(sel.suite, options)
    return chooser.select(work_dir=suite.expand(sel.work_dir)), grid


def select_command(suite: Suite, python: str = 'python') -> List[str]:
    """The ``tools/select_offline.py`` command that step 2 amounts to."""
    sel = suite.select_settings
    argv = [python, 'tools/select_offline.py', '--suite', sel.suite, '--methods',
            *sel.methods, '--work-dir', suite.expand(sel.work_dir)]
    if sel.cfg_options:
        argv += ['--cfg-options'] + [f'{k}={suite.expand(v)}'
                                     for k, v in sel.cfg_options.items()]
    return argv


def dry_run(suite: Suite, launcher: Launcher = Launcher()) -> List[str]:
    """Every command of the suite in order, one shell line each (prepare not
    included). Before its selection has run, the selected methods' commands are shown
    without their settings, under a comment saying so."""
    if suite.select_settings is None:
        return SuiteRunner(suite, launcher).dry_run()
    lines = SuiteRunner(suite.before_selection(), launcher).dry_run()
    lines.append(shell_line(select_command(suite, launcher.python), {}))
    rest = suite
    if not Path(suite.settings_file()).is_file():
        lines.append(f'# {suite.settings_file()} does not exist yet: the commands '
                     f'below get the settings it will choose for '
                     f'{", ".join(suite.select_settings.methods)}')
        rest = replace(suite, select_settings=None)
    return lines + SuiteRunner(rest, launcher).dry_run()


def run_suite(suite: Suite, launcher: Launcher = Launcher(), jobs: Optional[int] = None,
              fail_fast: bool = False, print_fn: Callable[[str], None] = print,
              echo_tools: bool = False) -> SuiteOutcome:
    """Run ``suite`` (steps 1-3 above when it has ``select_settings``). A failure in
    step 1 is returned as the outcome (nothing is selected or run after it); a
    failing selection raises :class:`~lmpt_mm.suite.selection.SelectionError`."""
    if suite.select_settings is not None:
        first = SuiteRunner(suite.before_selection(), launcher, jobs, fail_fast,
                            print_fn, echo_tools).run()
        if first.failed:
            return first
        chooser, grid = selection_suite(suite)
        print_fn(f'[select] {" ".join(suite.select_settings.methods)} -> '
                 f'{chooser.work_dir}/selection.md')
        summary = run_selection(
            chooser, grid, list(suite.select_settings.methods),
            run=lambda trial: run_trial(trial, launcher, print_fn))
        for name, m in summary['methods'].items():
            print_fn(f'[select] {name}: {m["choice"]["setting"]}')
        suite = replace(suite, prepare=())  # prepared in step 1
    runner = SuiteRunner(suite, launcher, jobs, fail_fast, print_fn, echo_tools)
    return runner.run()
