"""Class statistics files: JSON (the documented format) or the DB-loss code's pickle.

``stats_file=`` of a loss is a JSON (``.json``; written by
``tools/dataset_stats.py``) or pickle (``.pkl``/``.pickle``, the DB-loss code's
``*_class_freq.pkl``) file holding a dict with keys ``class_freq`` and
``neg_class_freq``. Pickles are read by :class:`StatsUnpickler`, which only
rebuilds containers, numbers, strings and numeric numpy arrays and refuses every
other global.
"""
import codecs
import io
import json
import pickle
from pathlib import Path
from typing import Any, Callable, Dict, Optional, Tuple, Union

import numpy as np
import torch

from .checks import StatsLike, check_class_stats

__all__ = ['StatsUnpickler', 'read_stats_pickle', 'load_class_stats', 'resolve_class_stats']


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
