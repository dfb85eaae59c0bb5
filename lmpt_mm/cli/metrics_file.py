"""``metrics.json``: the final test metrics of a run, for ``tools/compare.py``.

Besides the metrics it names what produced them: ``method``, ``protocol``,
``config``, ``split`` (``'test'``: the config's ``test_dataloader``) and
``checkpoint`` (``{"path": absolute path, "sha256": hex}``, or null for a model tested
without one), so ``tools/compare.py`` can tell a result whose checkpoint has since
been overwritten.
"""
from __future__ import annotations

import json
import os.path as osp

from mmengine.config import Config
from mmengine.dist import is_main_process
from mmengine.logging import print_log

from lmpt_mm.utils.hashing import file_sha256


def _protocol(cfg: Config) -> str:
    evaluators = cfg.get('test_evaluator') or []
    if isinstance(evaluators, dict):
        evaluators = [evaluators]
    for evaluator in evaluators:
        if evaluator.get('type') == 'GroupAveragePrecision':
            return evaluator.get('score', 'sigmoid')
    return 'unknown'


def checkpoint_record(checkpoint: str | None) -> dict | None:
    """``{'path': absolute path, 'sha256': hex}`` of a checkpoint file (None: none)."""
    if checkpoint is None:
        return None
    return dict(path=osp.abspath(checkpoint), sha256=file_sha256(checkpoint))


def write_metrics_json(cfg: Config, metrics: dict,
                       checkpoint: dict | None = None) -> str | None:
    """Write ``{metric: value, 'method', 'protocol', 'config', 'split', 'checkpoint'}``
    into the work dir (``checkpoint``: :func:`checkpoint_record` of the file tested,
    None without one)."""
    if not is_main_process():
        return None
    record = {k: float(v) for k, v in metrics.items() if isinstance(v, (int, float))}
    record['method'] = cfg.get('method_name') or osp.splitext(osp.basename(cfg.filename or 'model'))[0]
    record['protocol'] = _protocol(cfg)
    record['config'] = cfg.filename
    record['split'] = 'test'
    record['checkpoint'] = checkpoint
    path = osp.join(cfg.work_dir, 'metrics.json')
    with open(path, 'w') as f:
        json.dump(record, f, indent=2)
    print_log(f'Metrics written to {path}', logger='current')
    return path
