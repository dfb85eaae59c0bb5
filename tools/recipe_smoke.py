"""Recipe smoke: every real method's recipe on the offline world, beside zero-shot.

``python tools/recipe_smoke.py`` generates the synthetic world and pretrains the small
CLIP when they are missing (the demo's, cached), trains and tests each config of
``configs/offline/recipes/`` through tools/train.py / tools/test.py, and writes
``work_dirs/recipes/comparison.{md,csv,png}`` (docs/recipes.md reports a run).
"""
import argparse
from pathlib import Path

from lmpt_mm.cli.demo import run_demo
from lmpt_mm.cli.recipes import RECIPE_METHODS, recipe_settings


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--out-dir', type=Path, default=Path('work_dirs/recipes'))
    parser.add_argument('--data-dir', type=Path, default=Path('data/synthetic_lt'))
    parser.add_argument('--clip', type=Path, default=Path('work_dirs/demo/clip_synth.pt'),
                        help='the small CLIP (pretrained here when missing)')
    parser.add_argument('--clip-steps', type=int, default=None,
                        help="pretraining steps of the small CLIP (default: the demo's); "
                        'with fewer, give --clip another file')
    parser.add_argument('--methods', nargs='+', default=None,
                        help='run only these (zero-shot CLIP always runs); one of: ' +
                        ', '.join(repr(m.name) for m in RECIPE_METHODS))
    return parser.parse_args(argv)


def main(argv=None) -> None:
    args = parse_args(argv)
    run_demo(recipe_settings(args.out_dir, args.data_dir, args.clip, args.methods,
                             args.clip_steps))


if __name__ == '__main__':
    main()
