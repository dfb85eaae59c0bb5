"""Choose the offline methods' hyper-parameters on the validation split (``make select``).

    python tools/select_offline.py [--methods CoOp LMPT ...] [--work-dir DIR]
        [--suite configs/suites/offline_selection.py]

The same protocol and number of trials for every prompt method (a shared learning-rate
x clipping grid, one clipping rule for all, then each method's own knobs); the ResNet
baselines share a learning-rate x schedule grid. The grid and the methods are the
suite's (configs/suites/offline_selection.py), the protocol lmpt_mm/suite/selection.py.
Needs the demo's world, small CLIP and HP-DVAL stage-1 checkpoint (`make demo`).
Writes WORK_DIR/selection.md and selection.json; finished trials are reused.
"""
import argparse

from mmengine.config import DictAction

from lmpt_mm.cli.entry import tool_entry_point
from lmpt_mm.suite.selection import SelectionError, load_selection, run_selection

SUITE = 'configs/suites/offline_selection.py'


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--suite', default=SUITE, help=f'selection suite (default {SUITE})')
    p.add_argument('--methods', nargs='+', default=None, metavar='METHOD',
                   help="methods to select for (default: all of the suite's)")
    p.add_argument('--work-dir', '--out', dest='work_dir', default=None,
                   help="default: the suite's work_dir (work_dirs/selection)")
    p.add_argument('--cfg-options', nargs='+', action=DictAction, default=None,
                   help='override fields of the suite config (e.g. variables.demo=...)')
    a = p.parse_args(argv)
    try:
        suite, grid = load_selection(a.suite, a.cfg_options)
        suite = suite.select(work_dir=a.work_dir)
        summary = run_selection(suite, grid, a.methods)
    except SelectionError as err:
        raise SystemExit(f'select_offline: {err}')
    if summary['clip_rule'] is not None:
        print(f'[select] clipping rule for all prompt methods: {summary["clip_rule"]}')
    for name, m in summary['methods'].items():
        c = m['choice']
        print(f'[select] {name}: {c["setting"]} ({summary["split"]} {summary["metric"]} '
              f'{c["score"]:.2f})')
    print(f'[select] {suite.work_dir}/selection.md')
    return 0


if __name__ == '__main__':
    tool_entry_point(main)
