"""Write every validation result of a run to a JSON-lines file."""
import json
import os.path as osp
from typing import Dict, Optional

from mmengine.dist import is_main_process
from mmengine.hooks import Hook
from mmpretrain.registry import HOOKS


@HOOKS.register_module()
class EvaluationRecordHook(Hook):
    """Append ``{"epoch": e, "metrics": {...}}`` to ``<work_dir>/<filename>`` after every
    validation (``e``: epochs trained so far), for a caller that picks among them - the
    few-shot published protocol's best-of-evaluations (``tools/fewshot.py --protocol
    published``)."""

    priority = 'LOW'

    def __init__(self, filename: str = 'evaluations.jsonl') -> None:
        self.filename = filename

    def after_val_epoch(self, runner, metrics: Optional[Dict[str, float]] = None) -> None:
        if not is_main_process() or metrics is None:
            return
        record = dict(epoch=int(runner.epoch),
                      metrics={k: float(v) for k, v in metrics.items()})
        with open(osp.join(runner.work_dir, self.filename), 'a') as f:
            f.write(json.dumps(record) + '\n')
