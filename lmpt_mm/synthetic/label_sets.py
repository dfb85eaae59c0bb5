"""Exact label sets: images holding given per-class counts with given object counts.

Greedy bipartite construction, then degree-preserving swaps that remove the greedy's
structure (:func:`realize_label_sets`); object counts per image drawn around a mean
(:func:`objects_per_image`, :func:`probs_with_mean`).
"""
from typing import List, Sequence

import numpy as np


def objects_per_image(total: int, num_images: int, probs: Sequence[float],
                      rng: np.random.Generator, max_objects: int = 4) -> np.ndarray:
    """Object counts ``k_i`` in [1, max_objects] drawn from ``probs`` and nudged so
    that ``sum(k_i) == total``."""
    if not num_images <= total <= max_objects * num_images:
        raise ValueError(f'{total} labels cannot fill {num_images} images with '
                         f'1..{max_objects} objects each')
    p = np.asarray(probs, dtype=float)[:max_objects]
    k = rng.choice(np.arange(1, len(p) + 1), size=num_images, p=p / p.sum())
    while (diff := total - int(k.sum())) != 0:
        movable = np.flatnonzero(k < max_objects) if diff > 0 else np.flatnonzero(k > 1)
        pick = rng.choice(movable, size=min(abs(diff), len(movable)), replace=False)
        k[pick] += 1 if diff > 0 else -1
    return k


def realize_label_sets(positives: Sequence[int], capacities: Sequence[int],
                       rng: np.random.Generator, swaps_per_label: int = 5
                       ) -> List[List[int]]:
    """Label sets with exactly ``positives[c]`` images holding class ``c`` and
    exactly ``capacities[i]`` distinct classes in image ``i``.

    Greedy construction (each class, largest first, goes to the images with the most
    free slots, ties broken at random; this succeeds whenever the two degree sequences
    are realisable, Gale-Ryser), then ``swaps_per_label * total`` random swaps
    (image a loses x and gains y, image b the reverse) that keep both sequences fixed
    while decorrelating classes from image sizes.
    """
    counts = np.asarray(positives, dtype=int)
    free = np.asarray(capacities, dtype=int).copy()
    if counts.sum() != free.sum():
        raise ValueError(f'class counts sum to {counts.sum()} but image capacities '
                         f'to {free.sum()}')
    sets: List[set] = [set() for _ in range(len(free))]
    for c in np.argsort(-counts, kind='stable'):
        order = np.lexsort((rng.random(len(free)), -free))
        chosen = order[:counts[c]]
        if counts[c] and (len(chosen) < counts[c] or free[chosen[-1]] <= 0):
            raise ValueError(f'class {c} needs {counts[c]} images but only '
                             f'{int((free > 0).sum())} have room left')
        free[chosen] -= 1
        for i in chosen:
            sets[i].add(int(c))
    n, total = len(sets), int(counts.sum())
    lists = [sorted(s) for s in sets]
    for _ in range(swaps_per_label):
        pairs = rng.integers(n, size=(total, 2))
        picks = rng.random((total, 2))
        for (a, b), (u, v) in zip(pairs, picks):
            la, lb = lists[a], lists[b]
            x, y = la[int(u * len(la))], lb[int(v * len(lb))]
            if a == b or x == y or x in sets[b] or y in sets[a]:
                continue
            sets[a].remove(x), sets[a].add(y), sets[b].remove(y), sets[b].add(x)
            la[la.index(x)], lb[lb.index(y)] = y, x
    return [sorted(s) for s in sets]


def probs_with_mean(mean: float) -> np.ndarray:
    """P(k), k = 1..4, geometric-like, with the given mean (1 <= mean <= 4)."""
    best, best_err = None, np.inf
    for r in np.linspace(.05, 3.0, 300):
        p = r ** np.arange(4)
        p /= p.sum()
        err = abs((p * np.arange(1, 5)).sum() - mean)
        if err < best_err:
            best, best_err = p, err
    return best
