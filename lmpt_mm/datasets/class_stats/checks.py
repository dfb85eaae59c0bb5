"""Validation of per-class counts and the choice between two sources of them.

A loss that needs ``class_freq`` (``n_i``, positive images of class ``i``) and
``neg_class_freq`` (images without class ``i``) gets them in one of three ways:

1. lists in the config (``class_freq=[...]``, ``neg_class_freq=[...]``);
2. ``stats_file=`` - read by :func:`~lmpt_mm.datasets.class_stats.load_class_stats`;
3. late injection: ``loss.set_class_stats(class_freq, neg_class_freq)``, which
   :class:`~lmpt_mm.engine.hooks.ClassStatsHook` calls with the train dataset's
   ``metainfo`` before training.

Counts are validated here (shape, sign, consistency); zero counts are only
clamped where they are used, with a warning logged once.
"""
from pathlib import Path
from typing import Optional, Sequence, Tuple, Union

import numpy as np
import torch

from lmpt_mm.utils.logging import warn_once
from lmpt_mm.utils.tensor_memo import TensorMemo

__all__ = [
    'StatsLike', 'STATS_HELP', 'as_count_tensor', 'check_class_stats', 'clamp_counts',
    'choose_class_stats'
]

StatsLike = Union[Sequence[float], np.ndarray, torch.Tensor]

STATS_HELP = ('give them as lists in the config (class_freq=[...], '
              'neg_class_freq=[...]), as stats_file=<.pkl or .json with keys '
              "'class_freq'/'neg_class_freq'>, or inject them with "
              'loss.set_class_stats(class_freq, neg_class_freq) from the train '
              "dataset's metainfo")

# Count tensors already validated by as_count_tensor (losses pass the same ones
# every step); an in-place change invalidates the entry.
_validated = TensorMemo(max_entries=256)


def as_count_tensor(values: StatsLike, name: str) -> torch.Tensor:
    """Validate a per-class count vector and return it as a float64 CPU tensor.

    Raises:
        ValueError: if it is not 1-D, is empty, or holds negative/non-finite
            values.
    """
    if isinstance(values, torch.Tensor):
        if _validated.get(values):  # a tensor this function returned (every step)
            return values
        tensor = values.detach().to('cpu', torch.float64)
    else:
        try:
            tensor = torch.as_tensor(np.asarray(values, dtype=np.float64))
        except (TypeError, ValueError) as err:
            raise ValueError(f'{name} must be a list of per-class counts, got '
                             f'{values!r}') from err
    if tensor.dim() != 1 or tensor.numel() == 0:
        raise ValueError(f'{name} must be a non-empty 1-D list of per-class '
                         f'counts, got shape {tuple(tensor.shape)}')
    if not torch.isfinite(tensor).all() or (tensor < 0).any():
        raise ValueError(f'{name} must hold finite non-negative counts, got '
                         f'{tensor.tolist()}')
    _validated.put(tensor, True)
    return tensor


def check_class_stats(
    class_freq: Optional[StatsLike],
    neg_class_freq: Optional[StatsLike] = None,
) -> Tuple[Optional[torch.Tensor], Optional[torch.Tensor]]:
    """Validate ``class_freq`` / ``neg_class_freq`` (either may be None).

    Both given: same length and ``class_freq + neg_class_freq`` (the number of
    train images ``N``) equal for every class, as it is for any multi-label
    train split.
    """
    pos = None if class_freq is None else as_count_tensor(
        class_freq, 'class_freq')
    neg = None if neg_class_freq is None else as_count_tensor(
        neg_class_freq, 'neg_class_freq')
    if pos is not None and neg is not None:
        if pos.numel() != neg.numel():
            raise ValueError(f'class_freq has {pos.numel()} classes but '
                             f'neg_class_freq has {neg.numel()}')
        total = pos + neg
        if not torch.equal(total, total[:1].expand_as(total)):
            raise ValueError(
                'class_freq + neg_class_freq must equal the number of train '
                f'images for every class, got {total.tolist()}')
        if total[0] <= 0:
            raise ValueError('class_freq + neg_class_freq is 0: the '
                             'statistics describe an empty train split')
    return pos, neg


def clamp_counts(counts: torch.Tensor,
                 low: float,
                 high: Optional[torch.Tensor] = None,
                 name: str = 'class_freq',
                 why: str = '') -> torch.Tensor:
    """Clamp counts into ``[low, high]``, warning once (naming the classes)."""
    bad = counts < low
    if high is not None:
        bad = bad | (counts > high)
    if bad.any():
        idx = torch.nonzero(bad).flatten().tolist()
        bound = f'[{low:g}, {high.min().item():g}]' if high is not None \
            else f'>= {low:g}'
        warn_once(f'{name} of classes {idx} clamped to {bound}{why}; check '
                  'the train statistics (a class without positive or negative '
                  'train images cannot be learnt)')
        counts = counts.clamp(min=low)
        if high is not None:
            counts = torch.minimum(counts, high)
    return counts


StatsPair = Tuple[Optional[torch.Tensor], Optional[torch.Tensor]]


def _first_differences(name: str, a: Optional[torch.Tensor],
                       b: Optional[torch.Tensor], limit: int) -> list:
    if a is None or b is None:
        return []
    if a.numel() != b.numel():
        return [f'{name} has {a.numel()} classes in the file, {b.numel()} in '
                'the other source']
    idx = torch.nonzero(a != b).flatten().tolist()[:limit]
    return [f'{name}[{i}] {a[i].item():g} vs {b[i].item():g}' for i in idx]


def choose_class_stats(file_stats: StatsPair, new_stats: StatsPair,
                       stats_file: Optional[Union[str, Path]], source: str,
                       owner: str, limit: int = 5) -> StatsPair:
    """The statistics a loss keeps when ``set_class_stats`` replaces those of
    its ``stats_file``: ``new_stats`` (the train split's).

    Different counts are warned about, naming both sources and the first ``limit``
    differing classes: the model trains on the split it is given.
    """
    if stats_file is None:
        return new_stats
    diffs = (_first_differences('class_freq', file_stats[0], new_stats[0], limit)
             + _first_differences('neg_class_freq', file_stats[1], new_stats[1],
                                  limit))[:limit]
    if not diffs:
        return new_stats
    warn_once(f'{owner}: class statistics of stats_file {str(stats_file)!r} '
              f'differ from those of {source} (file vs split: '
              f'{"; ".join(diffs)}): the counts of {source} are used')
    return new_stats
