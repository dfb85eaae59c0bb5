"""Write the offline world: a synthetic long-tailed multi-label benchmark.

    python tools/make_synthetic_lt.py --out data/synthetic_lt --seed 0
    python tools/make_synthetic_lt.py --out work_dirs/ci_world --scale 0.25   # CI-sized

Files (formats of the real VOC-LT files, paths relative to --out): labels.txt,
lt_train.txt, lt_captions.txt, lt_val.txt, lt_test.txt, pretrain_corpus.txt, world.json and
images/{train,val,test,pretrain}/*.png. See lmpt_mm/synthetic/world.py.
"""
import argparse
import time

from lmpt_mm.cli.entry import tool_entry_point
from lmpt_mm.synthetic.world import WorldConfig, generate_world


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--out', default='data/synthetic_lt', help='output folder (data_root)')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--scale', type=float, default=1.0,
                   help='multiplies the test and pretraining sizes (CI: 0.25)')
    p.add_argument('--train-scale', type=float, default=1.0,
                   help='multiplies the train class counts (1.0 = VOC-LT exactly)')
    p.add_argument('--test-per-class', type=int, default=None,
                   help='images per class in the test split (default 60 x scale)')
    p.add_argument('--val-per-class', type=int, default=None,
                   help='images per class in the validation split (default 60 x scale)')
    p.add_argument('--pretrain-per-class', type=int, default=None,
                   help='images per class in the pretraining corpus (default 1500 x scale)')
    p.add_argument('--captions-per-image', type=int, default=3)
    p.add_argument('--force', action='store_true', help='rewrite even if up to date')
    p.add_argument('--no-progress', action='store_true')
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    cfg = WorldConfig.scaled(args.scale, args.train_scale, seed=args.seed,
                             captions_per_image=args.captions_per_image)
    if args.test_per_class is not None:
        cfg.test_per_class = args.test_per_class
    if args.val_per_class is not None:
        cfg.val_per_class = args.val_per_class
    if args.pretrain_per_class is not None:
        cfg.pretrain_per_class = args.pretrain_per_class
    start = time.time()
    meta = generate_world(args.out, cfg, progress=not args.no_progress, force=args.force)
    n = meta['num_images']
    print(f'[make_synthetic_lt] {args.out}: train {n["train"]}, val {n["val"]}, '
          f'test {n["test"]}, '
          f'pretrain {n["pretrain"]} images ({time.time() - start:.1f} s)')


if __name__ == '__main__':
    tool_entry_point(main)
