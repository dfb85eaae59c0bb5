"""Train-split class statistics shared by the long-tailed losses.

A loss that needs ``class_freq`` (``n_i``, positive images of class ``i``) and
``neg_class_freq`` (images without class ``i``) gets them in one of three ways:

1. lists in the config (``class_freq=[...]``, ``neg_class_freq=[...]``);
2. ``stats_file=`` - a JSON (``.json``, the documented format; written by
   ``tools/dataset_stats.py``) or pickle (``.pkl``/``.pickle``, the DB-loss
   code's ``*_class_freq.pkl``) file holding a dict with those keys. Pickles are
   read by :class:`StatsUnpickler`, which only rebuilds containers, numbers,
   strings and numeric numpy arrays and refuses every other global;
3. late injection: ``loss.set_class_stats(class_freq, neg_class_freq)``, which a
   head/runner hook calls with the train dataset's ``metainfo`` before training.

Counts are validated here (shape, sign, consistency); zero counts are only
clamped where they are used, with a warning logged once.
"""
import codecs
import io
import json
import pickle
from pathlib import Path
from typing import Any, Callable, Dict, Optional, Sequence, Tuple, Union

import numpy as np
import torch

from lmpt_mm.utils.logging import warn_once
from lmpt_mm.utils.tensor_memo import TensorMemo

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


def _numeric_dtype(*args: Any) -> np.dtype:
    """``numpy.dtype`` limited to numbers and booleans (an object dtype would let
    the array's state carry arbitrary pickled objects)."""
    dtype = np.dtype(*args)
    if dtype.kind not in 'biufc':
        raise pickle.UnpicklingError(
            f'numpy dtype {dtype!r} is not a numeric dtype')
    return dtype


def _numpy_global(name: str) -> Callable:
    # numpy 2 moved numpy.core to numpy._core; the DB-loss files name the old one.
    try:
        from numpy._core import multiarray
    except ImportError:  # numpy 1.x
        from numpy.core import multiarray
    return getattr(multiarray, name)


# The globals the DB-loss code's pickles need (protocol 2, written by Python 2 /
# numpy 1): arrays are rebuilt by multiarray._reconstruct + ndarray.__setstate__,
# numpy scalars by multiarray.scalar, and the raw bytes of both come through
# _codecs.encode(str, 'latin1'). Nothing here runs code named by the file.
_STATS_GLOBALS: Dict[Tuple[str, str], Callable[[], Any]] = {
    ('numpy', 'dtype'): lambda: _numeric_dtype,
    ('numpy', 'ndarray'): lambda: np.ndarray,
    ('numpy.core.multiarray', '_reconstruct'): lambda: _numpy_global('_reconstruct'),
    ('numpy._core.multiarray', '_reconstruct'): lambda: _numpy_global('_reconstruct'),
    ('numpy.core.multiarray', 'scalar'): lambda: _numpy_global('scalar'),
    ('numpy._core.multiarray', 'scalar'): lambda: _numpy_global('scalar'),
    ('_codecs', 'encode'): lambda: _latin1_encode,
    # Python 2 pickles name the builtins module __builtin__.
    **{(module, name): (lambda value=value: value)
       for module in ('builtins', '__builtin__')
       for name, value in (('set', set), ('frozenset', frozenset),
                           ('complex', complex))},
    ('collections', 'OrderedDict'): lambda: __import__('collections').OrderedDict,
}


def _latin1_encode(text: str, encoding: str = 'latin1') -> bytes:
    """``_codecs.encode`` as numpy's pickles use it (raw bytes as latin-1 text)."""
    if codecs.lookup(encoding).name not in ('latin-1', 'iso8859-1'):
        raise pickle.UnpicklingError(
            f"_codecs.encode with encoding {encoding!r} (only 'latin1' is "
            'allowed in class statistics files)')
    return codecs.encode(text, 'latin1')


class StatsUnpickler(pickle.Unpickler):
    """Unpickler for class statistics: dicts, lists, tuples, sets, numbers,
    strings and numeric numpy arrays/scalars; any other global is refused.

    ``pickle.load`` would import and call whatever a file names (e.g.
    ``posix.system``): a crafted ``stats_file`` could run arbitrary code.
    """

    def find_class(self, module: str, name: str) -> Any:
        factory = _STATS_GLOBALS.get((module, name))
        if factory is None:
            raise pickle.UnpicklingError(
                f'global {module}.{name} is not allowed in a class statistics '
                'file (only dicts, lists, numbers, strings and numeric numpy '
                'arrays are)')
        return factory()


def read_stats_pickle(path: Union[str, Path]) -> Any:
    """Read a class statistics pickle with :class:`StatsUnpickler`.

    Raises:
        ValueError: naming the file and the refused global, or saying the
            file is not a readable pickle.
    """
    with open(path, 'rb') as f:
        data = f.read()
    try:
        # latin1: the DB-loss files were written by Python 2 (numpy's raw bytes).
        return StatsUnpickler(io.BytesIO(data), encoding='latin1').load()
    except pickle.UnpicklingError as err:
        raise ValueError(f'class statistics file {str(path)!r} refused: {err}. '
                         'Export the statistics as JSON (tools/dataset_stats.py '
                         'writes class_stats.json) and pass that as stats_file'
                         ) from err
    except (EOFError, ValueError, TypeError, AttributeError, IndexError,
            KeyError) as err:
        raise ValueError(f'class statistics file {str(path)!r} is not a '
                         f'readable pickle ({type(err).__name__}: {err})') from err


def load_class_stats(
        path: Union[str, Path]) -> Tuple[torch.Tensor, Optional[torch.Tensor]]:
    """Read ``class_freq`` (required) and ``neg_class_freq`` from a file.

    Args:
        path: ``.json``, or ``.pkl``/``.pickle`` (read by
            :class:`StatsUnpickler`: numbers and numeric arrays only).

    Returns:
        ``(class_freq, neg_class_freq)``; the second is None when the file has
        no ``neg_class_freq`` key.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f'class statistics file {str(path)!r} does not '
                                'exist')
    suffix = path.suffix.lower()
    if suffix == '.json':
        with open(path, 'r', encoding='utf-8') as f:
            data = json.load(f)
    elif suffix in ('.pkl', '.pickle'):
        data = read_stats_pickle(path)
    else:
        raise ValueError(f'class statistics file {str(path)!r}: unknown '
                         "extension, expected '.json', '.pkl' or '.pickle'")
    if not isinstance(data, dict) or 'class_freq' not in data:
        keys = list(data) if isinstance(data, dict) else type(data).__name__
        raise ValueError(f"class statistics file {str(path)!r} must hold a "
                         f"dict with key 'class_freq' (and 'neg_class_freq'), "
                         f'found {keys}')
    try:
        return check_class_stats(data['class_freq'],
                                 data.get('neg_class_freq'))
    except ValueError as err:
        raise ValueError(f'class statistics file {str(path)!r}: {err}') from err


def resolve_class_stats(
    class_freq: Optional[StatsLike],
    neg_class_freq: Optional[StatsLike],
    stats_file: Optional[Union[str, Path]],
) -> Tuple[Optional[torch.Tensor], Optional[torch.Tensor]]:
    """Statistics from config lists or ``stats_file`` (not both)."""
    if stats_file is not None:
        if class_freq is not None or neg_class_freq is not None:
            raise ValueError('give the class statistics either as config lists '
                             f'or as stats_file={str(stats_file)!r}, not both')
        return load_class_stats(stats_file)
    return check_class_stats(class_freq, neg_class_freq)


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
                       prefer_stats_file: bool, owner: str,
                       limit: int = 5) -> StatsPair:
    """The statistics a loss keeps when ``set_class_stats`` replaces those of
    its ``stats_file``.

    Equal counts: ``new_stats``. Different counts: a warning naming both sources,
    the first ``limit`` differing classes and which wins - ``new_stats`` (the
    train split), or the file's with ``prefer_stats_file=True``.
    """
    if stats_file is None:
        return new_stats
    diffs = (_first_differences('class_freq', file_stats[0], new_stats[0], limit)
             + _first_differences('neg_class_freq', file_stats[1], new_stats[1],
                                  limit))[:limit]
    if not diffs:
        return new_stats
    if prefer_stats_file:
        verdict = (f'the counts of stats_file {str(stats_file)!r} are kept '
                   '(prefer_stats_file=True)')
    else:
        verdict = (f'the counts of {source} are used; set prefer_stats_file=True '
                   f'in the {owner} config to keep the file\'s')
    warn_once(f'{owner}: class statistics of stats_file {str(stats_file)!r} '
              f'differ from those of {source} (file vs split: '
              f'{"; ".join(diffs)}): {verdict}')
    return file_stats if prefer_stats_file else new_stats
