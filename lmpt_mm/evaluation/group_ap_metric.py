"""``GroupAveragePrecision``: mAP and head / medium / tail mAP for LTML."""
import csv
import logging
import os
import os.path as osp
from typing import Dict, List, Literal, Optional, Sequence

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log
from mmpretrain.registry import METRICS

from lmpt_mm.datasets.class_stats import group_of_classes
from .group_map import group_map

__all__ = ['GroupAveragePrecision', 'protocol_scores']

# sigmoid saturates to exactly 0/1 in float32 beyond |logit| ~ 17; the inverse
# cannot recover such logits, so they are clipped here (and a warning says so)
_LOGIT_EPS = 1e-12


def protocol_scores(pred_score: np.ndarray,
                    score: Literal['sigmoid', 'softmax'] = 'sigmoid',
                    pred_logits: Optional[np.ndarray] = None) -> np.ndarray:
    """Scores to rank under an evaluation protocol, ``[N, C]``.

    * ``'sigmoid'``: per-class sigmoid scores. Their per-class ranking, hence AP,
      equals that of the raw logits, so ``pred_logits`` are ranked when given:
      a float32 sigmoid saturates to exactly 1.0 above a logit of about 17 and
      would tie images the logits still order (CLIP logits reach 20-40).
    * ``'softmax'``: ``softmax_c(z_{n,c})`` over the classes of each image
      (the LMPT code's protocol), with logits ``z = pred_logits`` when given,
      else ``z = log(p / (1 - p))`` recovered from the sigmoid scores ``p``.
    """
    if score == 'sigmoid':
        ranked = pred_score if pred_logits is None else pred_logits
        return np.asarray(ranked, dtype=np.float64)
    if score != 'softmax':
        raise ValueError(f"score must be 'sigmoid' or 'softmax', got {score!r}")
    if pred_logits is None:
        p = np.clip(np.asarray(pred_score, dtype=np.float64), _LOGIT_EPS,
                    1 - _LOGIT_EPS)
        z = np.log(p) - np.log1p(-p)
    else:
        z = np.asarray(pred_logits, dtype=np.float64)
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


@METRICS.register_module()
class GroupAveragePrecision(BaseMetric):
    """Per-class AP, ``mAP``, ``mAP_head``, ``mAP_medium``, ``mAP_tail``, ``var``.

    Keys are prefixed ``lt/`` (``lt/mAP``, ``lt/mAP_head``, ...), values in
    percent; ``lt/var`` is the variance of the per-class AP (percent squared,
    HP-DVAL's "var." column, see :func:`group_map`). Groups come from the train ``class_freq`` (config, else the
    dataset's ``metainfo['class_freq']``) with this metric's thresholds. AP
    is scikit-learn's tie-correct definition; a class with no positive test
    image is excluded and named in a warning; a group with no class to
    average is omitted (see :func:`group_map`).

    Each data sample must carry ``pred_score`` ``[C]`` (the per-class sigmoid
    of the logits, as set by MMPretrain's multi-label heads) and ``gt_score``
    or ``gt_label``; an optional ``pred_logits`` field is used by the softmax
    protocol. Under distributed evaluation, :class:`BaseMetric` gathers the
    results of all ranks and drops the sampler's padding, so every image
    counts once; a repeated ``sample_idx`` is an error.

    Args:
        class_freq: train positive count per class; ``None`` reads
            ``dataset_meta['class_freq']``.
        head_thr, tail_thr: group thresholds on the train frequency.
        score: ``'sigmoid'`` (default, same AP as raw logits) or
            ``'softmax'`` (re-normalise each image's scores over the classes,
            the LMPT code's protocol). The protocol is logged with the results.
        out_dir: if set, write ``<out_dir>/<prefix>_per_class_ap.csv`` with
            class name, train frequency, group, number of test positives, AP.
        collect_device, prefix, collect_dir: see :class:`BaseMetric`.
    """
    default_prefix: Optional[str] = 'lt'

    def __init__(self,
                 class_freq: Optional[Sequence[int]] = None,
                 head_thr: int = 100,
                 tail_thr: int = 20,
                 score: Literal['sigmoid', 'softmax'] = 'sigmoid',
                 out_dir: Optional[str] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None,
                 collect_dir: Optional[str] = None) -> None:
        super().__init__(
            collect_device=collect_device,
            prefix=prefix,
            collect_dir=collect_dir)
        if score not in ('sigmoid', 'softmax'):
            raise ValueError(
                f"score must be 'sigmoid' or 'softmax', got {score!r}")
        if tail_thr > head_thr:
            raise ValueError(f'tail_thr ({tail_thr}) must not exceed head_thr '
                             f'({head_thr})')
        self.class_freq = None if class_freq is None else [
            int(v) for v in class_freq
        ]
        self.head_thr = head_thr
        self.tail_thr = tail_thr
        self.score = score
        self.out_dir = out_dir
        self._warned_saturation = False

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        """Store per-image ``pred_score`` / one-hot ground truth as numpy."""
        for sample in data_samples:
            pred = torch.as_tensor(sample['pred_score']).detach().cpu()
            num_classes = pred.shape[-1]
            result = dict(pred_score=pred.double().numpy())
            if 'pred_logits' in sample:
                result['pred_logits'] = torch.as_tensor(
                    sample['pred_logits']).detach().cpu().double().numpy()
            if 'gt_score' in sample:
                gt = torch.as_tensor(sample['gt_score']).detach().cpu()
                result['gt'] = (gt > 0).to(torch.uint8).numpy()
            else:
                label = torch.as_tensor(sample['gt_label']).detach().cpu().long()
                if label.numel() and (label.min() < 0
                                      or label.max() >= num_classes):
                    raise ValueError(
                        f'gt_label {label.tolist()} out of range for '
                        f'{num_classes} classes')
                gt = np.zeros(num_classes, dtype=np.uint8)
                gt[label.numpy()] = 1
                result['gt'] = gt
            if 'sample_idx' in sample:
                result['sample_idx'] = int(sample['sample_idx'])
            self.results.append(result)

    def _resolve_class_freq(self, num_classes: int) -> List[int]:
        freq = self.class_freq
        if freq is None:
            meta = self.dataset_meta or {}
            freq = meta.get('class_freq')
            if freq is None:
                raise ValueError(
                    'GroupAveragePrecision needs the train class frequency: '
                    'pass class_freq=[...] in the metric config or use a '
                    "dataset whose metainfo has 'class_freq' (e.g. VOCLT)")
        if len(freq) != num_classes:
            raise ValueError(f'class_freq has {len(freq)} entries but the '
                             f'predictions have {num_classes} classes')
        return [int(v) for v in freq]

    def _class_names(self, num_classes: int) -> List[str]:
        names = (self.dataset_meta or {}).get('classes')
        if names is None or len(names) != num_classes:
            return [f'class_{i}' for i in range(num_classes)]
        return list(names)

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """Group mAP over all gathered images (main process only)."""
        idx = [r['sample_idx'] for r in results if 'sample_idx' in r]
        if len(idx) != len(set(idx)):
            dup = sorted({i for i in idx if idx.count(i) > 1})[:5]
            raise ValueError(
                f'images evaluated more than once (sample_idx {dup}); evaluate '
                'with a non-repeating sampler such as DefaultSampler')
        pred = np.stack([r['pred_score'] for r in results])  # [N, C]
        gt = np.stack([r['gt'] for r in results])  # [N, C]
        logits = None
        if all('pred_logits' in r for r in results):
            logits = np.stack([r['pred_logits'] for r in results])
        elif (self.score == 'softmax' and not self._warned_saturation
              and np.any((pred <= 0) | (pred >= 1))):
            self._warned_saturation = True
            print_log(
                'GroupAveragePrecision: some sigmoid scores are exactly 0 or '
                '1, so the logits behind the softmax protocol are clipped; '
                "store 'pred_logits' in the data samples for an exact softmax",
                logger='current',
                level=logging.WARNING)
        num_classes = pred.shape[1]
        freq = self._resolve_class_freq(num_classes)
        names = self._class_names(num_classes)
        scores = protocol_scores(pred, self.score, logits)
        res = group_map(scores, gt, freq, self.head_thr, self.tail_thr, names)
        ap = res.pop('ap')

        print_log(
            f'GroupAveragePrecision on {pred.shape[0]} images, score protocol '
            f'{self.score!r}: ' + ', '.join(f'{k}={v:.2f}'
                                            for k, v in res.items()),
            logger='current',
            level=logging.INFO)
        if self.out_dir is not None:
            self._write_csv(names, freq, gt.sum(axis=0), ap)
        return res

    def _write_csv(self, names: List[str], freq: List[int],
                   test_pos: np.ndarray, ap: np.ndarray) -> None:
        groups = group_of_classes(freq, self.head_thr, self.tail_thr)
        os.makedirs(self.out_dir, exist_ok=True)
        path = osp.join(self.out_dir, f'{self.prefix or "metric"}_per_class_ap.csv')
        with open(path, 'w', newline='') as f:
            writer = csv.writer(f)
            writer.writerow([
                'class_id', 'class_name', 'train_freq', 'group',
                'test_positives', 'ap', 'score_protocol'
            ])
            for i, name in enumerate(names):
                writer.writerow([
                    i, name, freq[i], groups[i],
                    int(test_pos[i]), '' if np.isnan(ap[i]) else f'{ap[i]:.4f}',
                    self.score
                ])
        print_log(f'GroupAveragePrecision: per-class AP written to {path}',
                  logger='current', level=logging.INFO)
