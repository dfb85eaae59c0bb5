"""Multi-label few-shot protocol: ``python tools/fewshot.py CONFIG --shots 1 5 --episodes 1-10``.

Trains the config's base stages (none for zero-shot CLIP), then adapts and evaluates
every episode; resumable per episode. Multi-process: ``python -m torch.distributed.run
--nproc_per_node N tools/fewshot.py CONFIG --launcher pytorch``. See lmpt_mm/cli/fewshot.py.
"""
import lmpt_mm  # noqa: F401  (registers lmpt_mm components)
from lmpt_mm.cli.entry import tool_entry_point
from lmpt_mm.cli.fewshot import parse_args, run_fewshot
from lmpt_mm.engine.distributed import shutdown_distributed


def main(argv=None) -> None:
    run_fewshot(parse_args(argv))
    shutdown_distributed()


if __name__ == '__main__':
    tool_entry_point(main)
