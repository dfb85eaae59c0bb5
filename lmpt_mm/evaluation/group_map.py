"""Per-class average precision and head / medium / tail mean AP.

Non-interpolated AP over the ranked test images, the definition of
scikit-learn's ``average_precision_score``: with the distinct score values
``t_1 > t_2 > ... > t_K`` as thresholds,

    AP = sum_k (R_k - R_{k-1}) * P_k,   R_0 = 0,

where ``P_k`` / ``R_k`` are precision / recall of predicting positive every
image with ``score >= t_k``. Tied images therefore enter together, so AP does
not depend on their order (MMPretrain's ``AveragePrecision`` ranks them one by
one). A class with no positive image has undefined AP (NaN), never 0.
"""
import logging
from typing import Dict, Optional, Sequence

import numpy as np
from mmengine.logging import print_log

from lmpt_mm.datasets.class_stats import GROUP_NAMES, class_groups

__all__ = ['average_precision', 'group_map']


def _check_inputs(scores: np.ndarray, targets: np.ndarray) -> None:
    if scores.shape != targets.shape:
        raise ValueError(f'scores {scores.shape} and targets {targets.shape} '
                         'must have the same shape')
    if not np.all(np.isfinite(scores)):
        raise ValueError('scores contain NaN or inf')
    if not np.all((targets == 0) | (targets == 1)):
        bad = np.unique(targets[(targets != 0) & (targets != 1)])[:5]
        raise ValueError(f'targets must be 0/1, got values {bad.tolist()}')


def _binary_ap(score: np.ndarray, target: np.ndarray) -> float:
    """AP of one class; ``score``, ``target``: ``[N]``."""
    order = np.argsort(-score, kind='stable')
    score, target = score[order], target[order]
    tp = np.cumsum(target)
    # last position of each run of equal scores = one threshold per value
    last = np.r_[np.flatnonzero(np.diff(score)), score.size - 1]
    tp = tp[last]
    precision = tp / (last + 1)
    recall = tp / tp[-1]
    return float(np.sum(np.diff(recall, prepend=0.0) * precision))


def average_precision(scores: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Per-class average precision, tie-correct (scikit-learn's definition).

    Args:
        scores: ``[N, C]`` (or ``[N]``) scores; higher ranks first. Any
            strictly increasing per-class transform (logit, sigmoid) gives
            the same AP.
        targets: ``[N, C]`` (or ``[N]``) binary ground truth.

    Returns:
        ``[C]`` (or scalar array) AP in ``[0, 1]``; NaN for a class with no
        positive image.
    """
    scores = np.asarray(scores, dtype=np.float64)
    targets = np.asarray(targets)
    _check_inputs(scores, targets)
    squeeze = scores.ndim == 1
    if squeeze:
        scores, targets = scores[:, None], targets[:, None]
    targets = targets.astype(np.float64)
    ap = np.full(scores.shape[1], np.nan)
    for c in range(scores.shape[1]):
        if targets[:, c].sum() > 0:
            ap[c] = _binary_ap(scores[:, c], targets[:, c])
    return ap[0] if squeeze else ap


def group_map(scores: np.ndarray,
              targets: np.ndarray,
              class_freq: Sequence[int],
              head_thr: int = 100,
              tail_thr: int = 20,
              class_names: Optional[Sequence[str]] = None) -> Dict:
    """mAP overall and per frequency group, in percent.

    Groups come from the **train** frequency ``class_freq`` (head
    ``>= head_thr``, tail ``< tail_thr``, medium in between). Classes with no
    positive test image are excluded from every mean and named in one warning.
    A group left with no class to average is **omitted** from the result
    (with a warning) rather than reported as NaN or 0; so is ``mAP`` when no
    class has a positive image.

    Args:
        scores: ``[N, C]`` test scores.
        targets: ``[N, C]`` binary test labels.
        class_freq: ``[C]`` train positive counts.
        head_thr, tail_thr: group thresholds.
        class_names: names used in warnings (default ``class <i>``).

    Returns:
        dict with ``mAP``, ``mAP_head``, ``mAP_medium``, ``mAP_tail``
        (percent floats, see above for omitted keys), ``var``: the variance of
        the per-class AP over the classes with a defined AP, in percent squared
        (population variance, ``mean_c (AP_c - mAP)^2``; the "var." column of
        HP-DVAL's tables, a measure of how evenly a method serves the classes;
        omitted with ``mAP``), and ``ap``: ``[C]``
        per-class AP **in percent**, NaN where undefined (so
        ``np.nanmean(ap) == mAP``).
    """
    scores = np.asarray(scores)
    if scores.ndim != 2:
        raise ValueError(f'scores must be [N, C], got shape {scores.shape}')
    num_classes = scores.shape[1]
    if len(class_freq) != num_classes:
        raise ValueError(f'class_freq has {len(class_freq)} entries but scores '
                         f'have {num_classes} classes')
    if class_names is None:
        class_names = [f'class {i}' for i in range(num_classes)]
    ap = average_precision(scores, targets) * 100.0
    valid = ~np.isnan(ap)
    if not valid.all():
        names = [f'{i} ({class_names[i]})' for i in np.flatnonzero(~valid)]
        print_log(
            f'group_map: {len(names)} class(es) have no positive test image; '
            f'their AP is undefined and excluded from every mean: '
            f'{", ".join(names)}',
            logger='current',
            level=logging.WARNING)
    out = {}
    if valid.any():
        out['mAP'] = float(ap[valid].mean())
    else:
        print_log('group_map: no class has a positive test image; mAP omitted',
                  logger='current', level=logging.WARNING)
    groups = class_groups(class_freq, head_thr, tail_thr)
    for name in GROUP_NAMES:
        idx = [i for i in groups[name] if valid[i]]
        if idx:
            out[f'mAP_{name}'] = float(ap[idx].mean())
        else:
            print_log(
                f'group_map: the {name} group (thresholds {head_thr}/'
                f'{tail_thr}) has no class with a positive test image; '
                f'mAP_{name} omitted',
                logger='current',
                level=logging.WARNING)
    if valid.any():
        out['var'] = float(ap[valid].var())  # ddof=0: the classes are the population
    out['ap'] = ap
    return out
