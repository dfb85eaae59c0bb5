"""Write the offline world's few-shot split (14 base / 6 novel classes, 10 episodes per K).

    python tools/make_synthetic_fewshot.py --world data/synthetic_lt   # -> <world>/fewshot

CSV files in the format of HP-DVAL's VOC2007 split; see lmpt_mm/synthetic/fewshot_world.py.
"""
import argparse

from lmpt_mm.cli.entry import tool_entry_point
from lmpt_mm.synthetic.fewshot_world import generate_fewshot_split


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--world', default='data/synthetic_lt', help='world folder '
                   '(tools/make_synthetic_lt.py --out)')
    p.add_argument('--out', default=None, help='output folder (default WORLD/fewshot)')
    p.add_argument('--shots', type=int, nargs='+', default=[1, 5])
    p.add_argument('--episodes', type=int, default=10)
    p.add_argument('--seed', type=int, default=0)
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    s = generate_fewshot_split(args.world, args.out, shots=args.shots,
                               episodes=args.episodes, seed=args.seed)
    print(f"[make_synthetic_fewshot] novel {s['novel']}: base train {s['base_train_images']}"
          f", support pool {s['support_pool_images']}, novel test "
          f"{s['novel_test_images']} images; {len(s['episodes'])} episodes")


if __name__ == '__main__':
    tool_entry_point(main)
