"""Class statistics of a long-tailed multi-label train split.

Prints per-class counts and head/medium/tail groups and writes, under
``--out-dir``: ``class_stats.json`` (the documented ``stats_file=`` format of the
DB/CSE losses), ``class_freq.png`` (bar chart coloured by group) and, for the
DB-loss code, ``class_freq.pkl`` (``gt_labels``, ``class_freq``,
``neg_class_freq``, ``condition_prob``).

Examples::

    python tools/dataset_stats.py configs/lmpt/lmpt_vit-b16_voc-lt.py
    python tools/dataset_stats.py --dataset voc --data-root data/voc
    python tools/dataset_stats.py --dataset custom --data-root data/mine \
        --ann-file mine_train.txt --label-file mine_labels.txt --out-dir stats
"""
import argparse
import os.path as osp
from typing import Optional, Sequence

from lmpt_mm.cli.dataset_args import add_dataset_args, datasets_from_args
from lmpt_mm.cli.entry import tool_entry_point
from lmpt_mm.datasets.class_stats import (compute_split_stats, export_class_stats,
                                          format_stats_table)


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    add_dataset_args(parser)
    parser.add_argument(
        '--out-dir', default='work_dirs/dataset_stats',
        help='where to write class_stats.json, class_freq.png, class_freq.pkl')
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    datasets = datasets_from_args(args)
    # every split carries the train statistics; prefer the train dataloader
    ds = datasets.get('train_dataloader', next(iter(datasets.values())))
    stats = compute_split_stats(ds.label_file, ds.train_ann_file, ds.head_thr,
                                ds.tail_thr)
    print(format_stats_table(stats))
    paths = export_class_stats(stats, args.out_dir,
                               title=osp.basename(ds.train_ann_file))
    for kind, path in paths.items():
        print(f'wrote {kind}: {path}')
    print(f"use stats_file='{paths['json']}' in a loss config for these counts")
    return 0


if __name__ == '__main__':
    tool_entry_point(main)
