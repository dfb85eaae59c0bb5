"""Evaluate a checkpoint: ``python tools/test.py CONFIG CHECKPOINT [options]``.

``CHECKPOINT`` may be ``none`` for models without trained weights (zero-shot CLIP);
the model is then initialised with its ``init_weights()``, as training starts.
The final metrics are also written to ``WORK_DIR/metrics.json``, with the path and
sha256 of the checkpoint tested.
"""
import argparse

from mmengine.runner import Runner

import lmpt_mm  # noqa: F401  (registers lmpt_mm components)
from lmpt_mm.cli.entry import tool_entry_point
from lmpt_mm.cli.runner_setup import (add_common_args, init_weights_without_checkpoint,
                                      prepare_test_cfg)
from lmpt_mm.engine.distributed import shutdown_distributed
from lmpt_mm.engine.work_dir_lock import launcher_rank, work_dir_lock
from lmpt_mm.cli.metrics_file import checkpoint_record, write_metrics_json


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Test a model (lmpt_mm)')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file, or `none`')
    parser.add_argument('--out', help='dump the per-image predictions to this pickle')
    add_common_args(parser)
    return parser.parse_args(argv)


def main(argv=None) -> None:
    args = parse_args(argv)
    cfg = prepare_test_cfg(args)
    # It writes logs, the per-class table and metrics.json into the work dir.
    with work_dir_lock(cfg.work_dir, take=launcher_rank(args.launcher) == 0):
        tested = checkpoint_record(cfg.load_from)  # the bytes the test is about to load
        runner = Runner.from_cfg(cfg)
        if cfg.load_from is None:
            init_weights_without_checkpoint(runner)
        metrics = runner.test()
        del runner  # its DDP wrapper must go before the process group
        write_metrics_json(cfg, metrics, tested)
    shutdown_distributed()  # the runner is unreferenced here: its DDP wrapper goes first


if __name__ == '__main__':
    tool_entry_point(main)
