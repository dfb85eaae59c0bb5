"""Run a comparison suite: ``python tools/run_suite.py configs/suites/voc_lt.py``.

Trains and tests every method x seed of the suite through tools/train.py and
tools/test.py (or tools/dist_*.sh, tools/slurm_*.sh), resumably, then writes the
comparison (seed-0 table, mean +- std over seeds, paired differences to the
baselines with 95% t-intervals, per group) into the suite's work dir. A suite with
replicates (e.g. several pretrained CLIPs) runs once per replicate, then compares over
them (comparison_replicates.md). See
lmpt_mm/suite/ for the suite fields.

    python tools/run_suite.py configs/suites/voc_lt.py --dry-run --launcher slurm \
        --partition gpu --gpus 8
    python tools/run_suite.py configs/suites/voc_lt.py --launcher pytorch --gpus 8 \
        --seeds 0 1 2 --only "Zero-shot CLIP" CoOp LMPT
"""
import argparse
import os
import sys

from mmengine.config import DictAction

from lmpt_mm.cli.entry import tool_entry_point
from lmpt_mm.suite import (LAUNCHERS, Launcher, SuiteError, dry_run, load_suite, run_suite,
                           write_report)
from lmpt_mm.suite.replicates import collect_replicate_scores, replicate_report


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f'must be at least 1, got {value}')
    return value


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('suite', help='suite config (configs/suites/*.py)')
    p.add_argument('--seeds', type=int, nargs='+', default=None,
                   help="training seeds (default: the suite's)")
    p.add_argument('--only', nargs='+', default=None, metavar='METHOD',
                   help='run only these methods (names as in the suite)')
    p.add_argument('--jobs', type=_positive_int, default=None,
                   help="runs at once: a method's shared stages, or one seed of it "
                        "(default: the suite's)")
    p.add_argument('--launcher', choices=LAUNCHERS, default='none')
    p.add_argument('--gpus', type=_positive_int, default=1,
                   help='processes (GPUs) per run with --launcher pytorch / slurm')
    p.add_argument('--partition', default=os.environ.get('PARTITION'),
                   help='Slurm partition (--launcher slurm; default: $PARTITION)')
    p.add_argument('--work-dir', default=None, help="default: the suite's work_dir")
    p.add_argument('--dry-run', action='store_true', help='print every command, run nothing')
    p.add_argument('--fail-fast', action='store_true',
                   help='stop starting runs after the first failure')
    p.add_argument('--verbose', action='store_true', help="echo the tools' progress lines")
    p.add_argument('--cfg-options', nargs='+', action=DictAction, default=None,
                   help='override fields of the suite config (e.g. variables.clip=...)')
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        suite = load_suite(args.suite, args.cfg_options).select(
            args.only, args.seeds, args.work_dir)
        launcher = Launcher(args.launcher, args.gpus, args.partition, sys.executable)
    except (SuiteError, ValueError) as err:
        raise SystemExit(f'run_suite: {err}')
    try:
        if suite.replicates:
            return run_replicates(suite, launcher, args)
        return run_one(suite, launcher, args)
    except SuiteError as err:  # e.g. a selection (select_settings) that cannot choose
        raise SystemExit(f'run_suite: {err}')


def run_one(suite, launcher, args) -> int:
    if args.dry_run:
        lines = dry_run(suite, launcher)
        runs = sum(1 for line in lines if not line.startswith('#'))
        print(f'# {suite.path}: {len(suite.methods)} methods, seeds '
              f'{list(suite.seeds)}, {runs} commands, launcher {launcher.kind}, '
              f'work dir {suite.work_dir}')
        for step in suite.prepare:
            print(' '.join([sys.executable] + [suite.expand(a) for a in step.command]))
        for line in lines:
            print(line)
        return 0
    outcome = run_suite(suite, launcher, args.jobs, args.fail_fast,
                        echo_tools=args.verbose)
    report = write_report(suite, outcome.finished_methods())
    if report is not None:
        print(report.read_text(), end='')
        print(f'[run_suite] comparison: {report}')
    for failed in outcome.failed:
        print(f'[run_suite] FAILED {failed.step.label}: {failed.error}')
    return 1 if outcome.failed else 0


def run_replicates(suite, launcher, args) -> int:
    """The whole suite once per replicate, then the comparison over replicates."""
    code, finished = 0, {}
    for rep in suite.replicates + suite.held_out:
        sub = suite.replicate(rep)
        print(f'[run_suite] replicate {rep.name} ({sub.work_dir})', flush=True)
        if args.dry_run:
            run_one(sub, launcher, args)
            continue
        outcome = run_suite(sub, launcher, args.jobs, args.fail_fast,
                            echo_tools=args.verbose)
        write_report(sub, outcome.finished_methods())
        finished[rep.name] = outcome.finished_methods()
        for failed in outcome.failed:
            print(f'[run_suite] FAILED {rep.name}: {failed.step.label}: {failed.error}')
            code = 1
    if args.dry_run:
        return 0
    report = replicate_report(suite, collect_replicate_scores(suite, finished))
    print(report.read_text(), end='')
    print(f'[run_suite] comparison over replicates: {report}')
    return code


if __name__ == '__main__':
    tool_entry_point(main)
