"""Train a model from a config: ``python tools/train.py CONFIG [options]``.

Same command line as MMPretrain's ``tools/train.py``; multi-process runs go through
``tools/dist_train.sh`` (torchrun; gloo on CPU, nccl on GPUs). Rank 0 holds
``WORK_DIR/run.lock`` while the run lasts: a second run into the same work dir fails.
"""
import argparse

from mmengine.runner import Runner

import lmpt_mm  # noqa: F401  (registers lmpt_mm components)
from lmpt_mm.cli.entry import tool_entry_point
from lmpt_mm.cli.runner_setup import add_common_args, check_train_length, prepare_train_cfg
from lmpt_mm.engine.distributed import shutdown_distributed
from lmpt_mm.engine.work_dir_lock import launcher_rank, work_dir_lock


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train a model (lmpt_mm)')
    parser.add_argument('config', help='train config file path')
    parser.add_argument(
        '--resume', nargs='?', type=str, const='auto',
        help='resume from the given checkpoint, or from the latest checkpoint in '
        'the work dir when no path is given (`--resume` / `--resume auto`)')
    parser.add_argument('--amp', action='store_true',
                        help='mixed precision on GPU (ignored with a warning on CPU)')
    parser.add_argument('--auto-scale-lr', action='store_true',
                        help='scale the lr by the total batch size (auto_scale_lr)')
    parser.add_argument('--no-validate', action='store_true',
                        help='skip validation during training')
    parser.add_argument('--force-work-dir', action='store_true',
                        help='train (or --resume auto) in a work dir whose checkpoints '
                        'another config wrote')
    add_common_args(parser)
    return parser.parse_args(argv)


def main(argv=None) -> None:
    args = parse_args(argv)
    cfg = prepare_train_cfg(args)
    # One run per work dir (rank 0 holds WORK_DIR/run.lock until the run ends).
    with work_dir_lock(cfg.work_dir, take=launcher_rank(args.launcher) == 0):
        runner = Runner.from_cfg(cfg)
        check_train_length(runner)
        runner.train()
        del runner
    shutdown_distributed()  # the runner is unreferenced here: its DDP wrapper goes first


if __name__ == '__main__':
    tool_entry_point(main)
