"""Ablation tables on the offline world's validation split (``make ablations``).

    python tools/ablations.py [--out-dir work_dirs/demo] [--only LMPT "dual view" Losses]
        [--image-epochs N] [--pretrain-steps N]

Reuses the demo's world and small CLIP (made first if missing) and writes
OUT_DIR/ablations.md and ablations.csv. See lmpt_mm/cli/ablations.py for the rows.
"""
import argparse
from pathlib import Path

from lmpt_mm.cli.ablations import run_ablations
from lmpt_mm.cli.demo import DemoSettings


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--out-dir', type=Path, default=Path('work_dirs/demo'))
    p.add_argument('--data-dir', type=Path, default=Path('data/synthetic_lt'))
    p.add_argument('--only', nargs='+', default=None,
                   help='run only the rows whose table title or label contains one of '
                   'these words (e.g. LMPT "dual view" Losses)')
    p.add_argument('--pretrain-steps', type=int, default=None,
                   help='steps of the small CLIP in OUT_DIR if not the default')
    p.add_argument('--image-epochs', type=int, default=None,
                   help='epochs of the rows that train on images (HP-DVAL stage 1, joint)')
    return p.parse_args(argv)


def main(argv=None) -> None:
    a = parse_args(argv)
    settings = DemoSettings(out_dir=a.out_dir, data_dir=a.data_dir,
                            image_epochs=a.image_epochs)
    pretrain = [] if a.pretrain_steps is None else ['--steps', str(a.pretrain_steps)]
    print(f'[ablations] wrote {run_ablations(settings, only=a.only, pretrain_args=pretrain)}')


if __name__ == '__main__':
    main()
