"""Compare the test results of several runs in one table and figure.

    python tools/compare.py work_dirs/demo/zeroshot work_dirs/demo/coop work_dirs/demo/lmpt \
        --out-dir work_dirs/demo [--names "Zero-shot CLIP" CoOp LMPT] \
        [--train-ann data/synthetic_lt/lt_train.txt]

Writes comparison.md, comparison.csv (method, mAP, mAP_head, mAP_medium, mAP_tail,
var: variance of the per-class AP, stale; val_mAP with --val) and comparison.png into
--out-dir. Only test results are compared: each WORK_DIR needs metrics.json
(tools/test.py) or MMEngine's test log; a work dir with validation metrics only is
left out with a warning, or with --val shown in a separate "val. mAP" column (with
empty test columns). See lmpt_mm/cli/compare.py.
"""
import argparse

from lmpt_mm.cli.compare import compare, to_markdown
from lmpt_mm.cli.entry import tool_entry_point


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('work_dirs', nargs='+', help='MMEngine work dirs, one per method')
    p.add_argument('--out-dir', default='.', help='where comparison.{md,csv,png} go')
    p.add_argument('--names', nargs='+', default=None,
                   help='method names, one per work dir (default: from the run)')
    p.add_argument('--train-ann', default=None,
                   help='train list file for per-class train frequencies')
    p.add_argument('--title', default='', help='figure title')
    p.add_argument('--val', action='store_true',
                   help='add a "val. mAP" column (final validation mAP, not a test '
                   'result) and keep runs that were never tested')
    return p.parse_args(argv)


def main(argv=None):
    a = parse_args(argv)
    results = compare(a.work_dirs, a.out_dir, a.names, a.train_ann, a.title, a.val)
    print(to_markdown(results), end='')
    print(f'[compare] wrote comparison.md, comparison.csv, comparison.png to {a.out_dir}')


if __name__ == '__main__':
    tool_entry_point(main)
