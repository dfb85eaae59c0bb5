"""MMPretrain's ``AveragePrecision``, ranking the raw logits when the head stores them."""
from typing import Sequence

import torch
from mmpretrain.evaluation import AveragePrecision
from mmpretrain.evaluation.metrics.multi_label import label_to_onehot
from mmpretrain.registry import METRICS

__all__ = ['LogitAveragePrecision']


@METRICS.register_module()
class LogitAveragePrecision(AveragePrecision):
    """Average precision (``mAP`` with ``average='macro'``) ranking ``pred_logits``.

    AP depends only on each class's ranking of the images, and the sigmoid is monotone,
    so ranking the logits gives the exact AP; CLIP logits (``logit_scale * cos``, 20-40)
    saturate a float32 sigmoid to 1.0 and would tie images the logits still order. Data
    samples without ``pred_logits`` fall back to ``pred_score`` (MMPretrain's behaviour).

    Args: as :class:`mmpretrain.evaluation.AveragePrecision`.
    """

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            score = sample['pred_logits'] if 'pred_logits' in sample else sample['pred_score']
            score = torch.as_tensor(score).detach().cpu().double()
            if 'gt_score' in sample:
                target = torch.as_tensor(sample['gt_score']).clone()
            else:
                target = label_to_onehot(sample['gt_label'], score.size(-1))
            self.results.append(dict(pred_score=score, gt_score=target))
