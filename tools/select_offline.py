"""Choose the offline methods' hyper-parameters on the validation split.

    python tools/select_offline.py [--out work_dirs/selection] [--methods CoOp LMPT ...]

The same protocol and number of trials (16, seed 0) for every prompt method: a shared
learning-rate x clipping grid, one clipping rule for all, then 4 trials of each
method's own knobs; the ResNet baselines (ERM, DB-Focal) share an 8-trial learning-rate
x schedule grid. Needs the demo's world, small CLIP and HP-DVAL stage-1 checkpoint
(`make demo`). Writes OUT/selection.md and OUT/selection.json; finished trials are
reused. See lmpt_mm/cli/selection.py.
"""
import argparse
from pathlib import Path

from lmpt_mm.cli.selection import ALL_METHODS, run_selection


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--out', type=Path, default=Path('work_dirs/selection'))
    p.add_argument('--methods', nargs='+', choices=list(ALL_METHODS),
                   default=list(ALL_METHODS))
    a = p.parse_args(argv)
    summary = run_selection(a.out, methods=a.methods)
    if summary['clip_rule'] is not None:
        print(f'[select] clipping rule for all prompt methods: {summary["clip_rule"]}')
    for name, m in summary['methods'].items():
        c = m['choice']
        print(f'[select] {name}: {c["setting"]} (val mAP {c["val_mAP"]:.2f})')
    print(f'[select] {a.out / "selection.md"}')


if __name__ == '__main__':
    main()
