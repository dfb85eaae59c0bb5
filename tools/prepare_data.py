"""Dataset preparation checks.

``--check`` verifies that every image listed by the dataset(s) exists and
decodes (PIL), with a progress bar, prints a summary and exits with status 1
if any image is missing or broken.

Examples::

    python tools/prepare_data.py --check configs/lmpt/lmpt_vit-b16_voc-lt.py
    python tools/prepare_data.py --check --dataset voc --data-root data/voc \
        --split train test
"""
import argparse
import sys
from typing import Optional, Sequence

from lmpt_mm.cli.dataset_args import add_dataset_args, datasets_from_args
from lmpt_mm.cli.entry import tool_entry_point
from lmpt_mm.datasets.image_check import check_images


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument(
        '--check', action='store_true',
        help='verify every listed image exists and decodes')
    add_dataset_args(parser)
    parser.add_argument('--no-progress', action='store_true',
                        help='no progress bar')
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    if not args.check:
        print('nothing to do: pass --check', file=sys.stderr)
        return 2
    datasets = datasets_from_args(args)
    failed = False
    checked = set()
    for name, ds in datasets.items():
        if ds.ann_file in checked:  # val and test often share one list
            continue
        checked.add(ds.ann_file)
        ds.full_init()
        paths = [ds.get_data_info(i)['img_path'] for i in range(len(ds))]
        report = check_images(paths, progress=not args.no_progress,
                              desc=f'{name}')
        print(f'[{name}] {ds.ann_file}')
        print(report.summary())
        failed |= not report.ok
    print('FAILED: some images are missing or undecodable' if failed else
          'all images ok')
    return 1 if failed else 0


if __name__ == '__main__':
    tool_entry_point(main)
