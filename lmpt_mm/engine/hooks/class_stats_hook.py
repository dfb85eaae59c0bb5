"""Hand the train split's class statistics to the model before training."""
from __future__ import annotations

import inspect
from typing import Optional

from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmpretrain.registry import HOOKS

from lmpt_mm.datasets.class_stats import stats_from_metainfo


def stats_receiver(model) -> Optional[object]:
    """``model.head`` if it takes statistics, else its loss (MMPretrain's own heads)."""
    head = getattr(model, 'head', None)
    for candidate in (head, getattr(head, 'loss_module', None)):
        if hasattr(candidate, 'set_class_stats'):
            return candidate
    return None


@HOOKS.register_module()
class ClassStatsHook(Hook):
    """Call ``set_class_stats(class_freq, neg_class_freq)`` before training.

    The receiver is ``model.head`` when it has the method (the CLIP heads), else
    ``model.head.loss_module`` (e.g. a ``DistributionBalancedLoss`` inside
    MMPretrain's ``MultiLabelLinearClsHead``).

    Losses that need train statistics (DB, CB, CSE) then need no numbers in the
    config: they come from ``train_dataloader.dataset.metainfo`` (computed from the
    train split by the lmpt_mm datasets). Heads without ``set_class_stats`` are left
    alone (nothing to receive); a dataset without statistics is logged and skipped.
    """

    priority = 'ABOVE_NORMAL'

    def before_train(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        target = stats_receiver(model)
        if target is None:
            return
        stats = stats_from_metainfo(getattr(runner.train_dataloader.dataset, 'metainfo', None))
        if stats is None:
            print_log('ClassStatsHook: the train dataset has no class_freq/neg_class_freq '
                      'in its metainfo; the head keeps the statistics of its config.',
                      logger='current', level=30)
            return
        dataset = runner.train_dataloader.dataset
        ann_file = getattr(dataset, 'train_ann_file', None) or getattr(
            dataset, 'ann_file', None)
        source = f'the train split {ann_file!r}' if ann_file else 'the train split'
        # `source` names the split in the stats_file disagreement warning; other
        # receivers (a user's head) may not take it.
        params = inspect.signature(target.set_class_stats).parameters
        kwargs = dict(source=source) if 'source' in params or any(
            p.kind is p.VAR_KEYWORD for p in params.values()) else {}
        target.set_class_stats(*stats, **kwargs)
        print_log(f'ClassStatsHook: class statistics of {len(stats[0])} '
                  'classes taken from the train split.', logger='current')
