"""Comparison suites: several methods x seeds through the project's tools, one
comparison with intervals.

A suite is a config file (``configs/suites/*.py``, fields in
:mod:`lmpt_mm.suite.spec`); ``tools/run_suite.py SUITE`` runs it::

    from lmpt_mm.suite import Launcher, SuiteRunner, load_suite, write_report

    suite = load_suite('configs/suites/voc_lt.py').select(seeds=[0, 1, 2])
    runner = SuiteRunner(suite, Launcher('pytorch', gpus=8))
    print('\\n'.join(runner.dry_run()))       # every command, nothing run
    outcome = runner.run()                     # resumable; failures reported, others go on
    write_report(suite, outcome.finished_methods())
    # a suite with `select_settings` (selection first, per replicate):
    outcome = run_suite(suite, Launcher())

Layering: the suite drives the tools (``tools/*.py``) and reads their results through
:mod:`lmpt_mm.cli.compare`; nothing below it imports it.
"""
from .pipeline import dry_run, run_suite
from .plan import LAUNCHERS, Launcher, Step, command, plan, shell_line
from .report import write_report
from .runner import SuiteOutcome, SuiteRunner, StepOutcome
from .spec import Method, Stage, Suite, SuiteError, load_suite, suite_from_dict

__all__ = [
    'LAUNCHERS', 'Launcher', 'Step', 'command', 'plan', 'shell_line', 'write_report',
    'SuiteOutcome', 'SuiteRunner', 'StepOutcome', 'Method', 'Stage', 'Suite',
    'SuiteError', 'load_suite', 'suite_from_dict', 'run_suite', 'dry_run'
]
