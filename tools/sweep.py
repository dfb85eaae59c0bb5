"""Choose hyper-parameters on the validation split with a small grid.

    python tools/sweep.py configs/offline/coop_synth-vit_synth-lt.py \
        --grid optim_wrapper.optimizer.lr=5e-4,2e-3 optim_wrapper.clip_grad=None \
        --split val --seeds 0 1 2 --work-dir work_dirs/sweeps/coop

Each (setting, seed) is a normal ``tools/train.py`` run; the final-epoch metrics of
the split go to WORK_DIR/sweep.csv (per run) and sweep_summary.csv (mean and std per
setting); the best setting (highest mean --metric) is printed and written to
WORK_DIR/best.json. See lmpt_mm/cli/sweep.py.
"""
import argparse
import os.path as osp

from mmengine.config import DictAction

from lmpt_mm.cli.entry import tool_entry_point
from lmpt_mm.cli.sweep import SPLITS, parse_grid, setting_name, sweep


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('config')
    p.add_argument('--grid', nargs='+', required=True, metavar='KEY=V1,V2',
                   help='config keys and the values to try (values as --cfg-options)')
    p.add_argument('--split', choices=SPLITS, default='val',
                   help='the split that scores the runs (choose on val)')
    p.add_argument('--seeds', nargs='+', type=int, default=[0])
    p.add_argument('--metric', default='lt/mAP', help='what "best" maximises')
    p.add_argument('--work-dir', default=None,
                   help='default: work_dirs/sweeps/<config name>')
    p.add_argument('--cfg-options', nargs='+', action=DictAction,
                   help='fixed overrides for every run')
    return p.parse_args(argv)


def main(argv=None):
    a = parse_args(argv)
    work_dir = a.work_dir or osp.join(
        'work_dirs', 'sweeps', osp.splitext(osp.basename(a.config))[0])
    _, rows, best = sweep(a.config, parse_grid(a.grid), work_dir, a.split, a.seeds,
                          a.metric, a.cfg_options)
    col = a.metric.split('/', 1)[1]
    for row in rows:
        setting = {k: row[k] for k in parse_grid(a.grid)}
        print(f'[sweep] {setting_name(setting)}: {a.split} {a.metric} '
              f'{row[col]:.2f} +- {row[col + "_std"]:.2f} ({row["seeds"]} seeds)')
    setting = {k: best[k] for k in parse_grid(a.grid)}
    print(f'[sweep] best on {a.split}: {setting_name(setting)} ({a.metric} '
          f'{best[col]:.2f} +- {best[col + "_std"]:.2f}); {work_dir}/sweep.csv, '
          f'{work_dir}/best.json')


if __name__ == '__main__':
    tool_entry_point(main)
