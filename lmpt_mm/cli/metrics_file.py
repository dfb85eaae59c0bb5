"""``metrics.json``: the final test metrics of a run, for ``tools/compare.py``."""
from __future__ import annotations

import json
import os.path as osp

from mmengine.config import Config
from mmengine.dist import is_main_process
from mmengine.logging import print_log


def _protocol(cfg: Config) -> str:
    evaluators = cfg.get('test_evaluator') or []
    if isinstance(evaluators, dict):
        evaluators = [evaluators]
    for evaluator in evaluators:
        if evaluator.get('type') == 'GroupAveragePrecision':
            return evaluator.get('score', 'sigmoid')
    return 'unknown'


def write_metrics_json(cfg: Config, metrics: dict) -> str | None:
    """Write ``{metric: value, 'method': ..., 'protocol': ...}`` into the work dir."""
    if not is_main_process():
        return None
    record = {k: float(v) for k, v in metrics.items() if isinstance(v, (int, float))}
    record['method'] = cfg.get('method_name') or osp.splitext(osp.basename(cfg.filename or 'model'))[0]
    record['protocol'] = _protocol(cfg)
    record['config'] = cfg.filename
    path = osp.join(cfg.work_dir, 'metrics.json')
    with open(path, 'w') as f:
        json.dump(record, f, indent=2)
    print_log(f'Metrics written to {path}', logger='current')
    return path
