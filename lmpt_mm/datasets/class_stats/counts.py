"""Class statistics of a long-tailed multi-label train split.

All functions take the binary label matrix ``gt_labels`` of shape ``[N, C]``
(``gt_labels[n, i] = 1`` iff image n contains class i) of the **train** split:

* ``class_freq[i] = sum_n gt_labels[n, i]`` (train images containing i),
* ``neg_class_freq[i] = N - class_freq[i]``,
* groups (as defined with VOC-LT and COCO-LT by Wu et al., ECCV 2020): head
  ``freq >= head_thr``, medium ``tail_thr <= freq < head_thr``, tail ``freq < tail_thr``,
* ``condition_prob[i, j] = P(j | i) = #(i and j) / #i`` (the DB-loss code's
  co-occurrence statistic).
"""
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np

__all__ = [
    'GROUP_NAMES', 'label_matrix', 'class_freq', 'neg_class_freq',
    'class_groups', 'group_of_classes', 'condition_prob', 'db_loss_stats',
    'class_stats_metainfo', 'stats_from_metainfo'
]

GROUP_NAMES = ('head', 'medium', 'tail')


def label_matrix(labels: Sequence[Sequence[int]], num_classes: int) -> np.ndarray:
    """Binary label matrix ``[N, C]`` (int64) from per-image class-id lists."""
    mat = np.zeros((len(labels), num_classes), dtype=np.int64)
    for n, ids in enumerate(labels):
        if len(ids):
            mat[n, np.asarray(ids, dtype=np.int64)] = 1
    return mat


def class_freq(gt_labels: np.ndarray) -> np.ndarray:
    """Positive count per class, ``[C]`` int64: ``sum_n gt_labels[n, i]``."""
    return (np.asarray(gt_labels) > 0).sum(axis=0).astype(np.int64)


def neg_class_freq(gt_labels: np.ndarray) -> np.ndarray:
    """Negative count per class, ``[C]`` int64: ``N - class_freq``."""
    gt_labels = np.asarray(gt_labels)
    return (gt_labels.shape[0] - class_freq(gt_labels)).astype(np.int64)


def _check_thresholds(head_thr: int, tail_thr: int) -> None:
    if tail_thr > head_thr:
        raise ValueError(f'tail_thr ({tail_thr}) must not exceed head_thr '
                         f'({head_thr})')


def class_groups(freq: Sequence[int],
                 head_thr: int = 100,
                 tail_thr: int = 20) -> Dict[str, List[int]]:
    """Split classes into head / medium / tail by train frequency.

    head: ``freq >= head_thr``; medium: ``tail_thr <= freq < head_thr``;
    tail: ``freq < tail_thr``.

    Returns:
        ``{'head': [...], 'medium': [...], 'tail': [...]}`` with sorted class
        indices as plain ``int`` (safe to store in checkpoints).
    """
    _check_thresholds(head_thr, tail_thr)
    freq = np.asarray(freq)
    head = freq >= head_thr
    tail = freq < tail_thr
    medium = ~head & ~tail
    return {
        name: [int(i) for i in np.flatnonzero(mask)]
        for name, mask in zip(GROUP_NAMES, (head, medium, tail))
    }


def group_of_classes(freq: Sequence[int],
                     head_thr: int = 100,
                     tail_thr: int = 20) -> List[str]:
    """Group name (``'head'``/``'medium'``/``'tail'``) of every class."""
    names = [''] * len(freq)
    for name, idx in class_groups(freq, head_thr, tail_thr).items():
        for i in idx:
            names[i] = name
    return names


def condition_prob(gt_labels: np.ndarray) -> np.ndarray:
    """Conditional co-occurrence ``P(j | i)``, ``[C, C]`` float64.

    ``condition_prob[i, j] = #(images with i and j) / #(images with i)``; the
    diagonal is 1. A class with no train image has an undefined row: it is set
    to 0 (not NaN), so downstream code never meets a silent NaN.
    """
    y = (np.asarray(gt_labels) > 0).astype(np.float64)  # [N, C]
    co = y.T @ y  # [C, C] co-occurrence counts
    freq = np.diag(co).copy()  # [C]
    out = np.zeros_like(co)
    nz = freq > 0
    out[nz] = co[nz] / freq[nz, None]
    return out


def db_loss_stats(gt_labels: np.ndarray) -> dict:
    """The ``class_freq.pkl`` content of the Distribution-Balanced loss code.

    Returns:
        dict with ``gt_labels`` (``[N, C]`` int64), ``class_freq`` and
        ``neg_class_freq`` (``[C]`` int64), ``condition_prob`` (``[C, C]``
        float64, ``P(j | i)``).
    """
    gt_labels = (np.asarray(gt_labels) > 0).astype(np.int64)
    return dict(
        gt_labels=gt_labels,
        class_freq=class_freq(gt_labels),
        neg_class_freq=neg_class_freq(gt_labels),
        condition_prob=condition_prob(gt_labels))


def class_stats_metainfo(gt_labels: np.ndarray,
                         head_thr: int = 100,
                         tail_thr: int = 20) -> dict:
    """Dataset ``metainfo`` entries from the train label matrix.

    Only plain Python ints / lists / dicts (they end up in checkpoints):
    ``class_freq``, ``neg_class_freq``, ``class_groups``, ``num_train_images``,
    ``head_thr``, ``tail_thr``.
    """
    freq = class_freq(gt_labels)
    return dict(
        class_freq=[int(v) for v in freq],
        neg_class_freq=[int(v) for v in neg_class_freq(gt_labels)],
        class_groups=class_groups(freq, head_thr, tail_thr),
        num_train_images=int(np.asarray(gt_labels).shape[0]),
        head_thr=int(head_thr),
        tail_thr=int(tail_thr))


def stats_from_metainfo(
        metainfo: Optional[Mapping]) -> Optional[Tuple[List[int], List[int]]]:
    """``(class_freq, neg_class_freq)`` from a dataset ``metainfo`` written by
    :func:`class_stats_metainfo`, or None when it lacks either entry."""
    meta = metainfo or {}
    if 'class_freq' not in meta or 'neg_class_freq' not in meta:
        return None
    return list(meta['class_freq']), list(meta['neg_class_freq'])
