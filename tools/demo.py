"""The offline demo behind ``make demo``: ``python tools/demo.py [--reduced]``.

Generates the synthetic long-tailed world, pretrains the small CLIP (both cached),
trains and tests every offline config through tools/train.py and tools/test.py, and
writes work_dirs/demo/comparison.{md,csv,png}. ``--reduced`` is the CI version.
"""
import argparse
from pathlib import Path

from lmpt_mm.cli.demo import DemoSettings, run_demo


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f'must be at least 1, got {value}')
    return value


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--out-dir', type=Path, default=None,
                        help='default work_dirs/demo (work_dirs/demo_reduced with --reduced)')
    parser.add_argument('--reduced', action='store_true',
                        help='one seed, one epoch for the runs that train on images, 2 jobs '
                             '(CI)')
    parser.add_argument('--jobs', type=_positive_int, default=None,
                        help='methods trained at once after the CLIP (default 1; 2 with '
                             '--reduced); each run gets cores // jobs threads')
    return parser.parse_args(argv)


def main(argv=None) -> None:
    args = parse_args(argv)
    if args.reduced:
        settings = DemoSettings.reduced(args.out_dir or Path('work_dirs/demo_reduced'))
    else:
        settings = DemoSettings(out_dir=args.out_dir or Path('work_dirs/demo'))
    if args.jobs is not None:
        settings.jobs = args.jobs
    run_demo(settings)


if __name__ == '__main__':
    main()
