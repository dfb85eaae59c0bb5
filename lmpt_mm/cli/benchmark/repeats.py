"""Medians of alternating repeats: the benchmark's way of timing on a busy machine.

A shared machine has slow phases lasting seconds; timing A for a while and then B
for a while lets a phase hit one side only. Every figure the benchmark prints is
the median over ``repeats`` rounds, each round timing every measurement once in
the same order (A, B, A, B, ...), with the spread (min, max) beside it.
"""
from typing import Callable, Dict, List, Sequence

import numpy as np


def alternate(measures: Dict[str, Callable[[], float]], repeats: int) -> Dict[str, List[float]]:
    """Call every measure once per round, ``repeats`` rounds; values per measure."""
    if repeats < 1:
        raise ValueError(f'repeats must be >= 1, got {repeats}')
    values: Dict[str, List[float]] = {name: [] for name in measures}
    for _ in range(repeats):
        for name, measure in measures.items():
            values[name].append(float(measure()))
    return values


def median(values: Sequence[float]) -> float:
    return float(np.median(np.asarray(values, dtype=np.float64)))


def summarise(out: dict, key: str, values: Sequence[float]) -> float:
    """``out[key]`` = median, ``out[key + '_repeats']`` = the values; returns the median."""
    out[key] = median(values)
    out[key + '_repeats'] = [float(v) for v in values]
    return out[key]
