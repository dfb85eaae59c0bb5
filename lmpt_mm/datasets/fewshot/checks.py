"""Consistency checks of a multi-label few-shot split (base / support / novel test).

The protocol of Huang et al. (HP-DVAL, IEEE TIP, Section IV-A.2; after LaSO, Alfassy
et al., CVPR 2019) trains on base classes only and adapts on K-shot support sets of
the novel classes. Each check raises ``ValueError`` naming the file and the entry, so
a leak or a short episode never turns into a silently optimistic number.
"""
from __future__ import annotations

from typing import Dict, Mapping, Sequence

__all__ = ['check_base_classes', 'check_disjoint', 'check_support_counts']


def check_base_classes(base_classes: Sequence[str], novel_classes: Sequence[str],
                       source: str) -> None:
    """No novel class may be a label of base training.

    Args:
        base_classes: the label columns (names) of base training.
        novel_classes: the novel class names.
        source: the file that declares ``base_classes`` (for the message).
    """
    leaked = [c for c in base_classes if c in set(novel_classes)]
    if leaked:
        raise ValueError(f'{source}: novel class(es) {leaked} appear among the base '
                         f'training labels {list(base_classes)}; base training must not '
                         'see novel labels')


def check_disjoint(base: Mapping[str, str], support: Mapping[str, str], base_source: str,
                   support_source: str) -> None:
    """No image may be both a base training image and a support image.

    Args:
        base: image key -> entry description (e.g. ``'line 12'``) in ``base_source``.
        support: the same for the support set in ``support_source``.
        base_source, support_source: the two files (for the message).
    """
    both = [k for k in support if k in base]
    if both:
        first = both[0]
        raise ValueError(
            f'{len(both)} image(s) are both in base training ({base_source}) and in the '
            f'support set {support_source}: first {first!r} ({base_source} '
            f'{base[first]}; {support_source} {support[first]}). Base training must '
            'not see the support images')


def check_support_counts(label_sets: Sequence[Sequence[int]], classes: Sequence[str],
                         shots: int, source: str) -> Dict[str, int]:
    """Every class must be positive in at least ``shots`` support images.

    Args:
        label_sets: the label ids of each support image.
        classes: class names in label order.
        shots: K.
        source: the episode's file/entry (for the message).

    Returns:
        class name -> number of support images with that class (VOC2007's episodes
        have exactly K; COCO's LaSO episodes may have more, since a support image
        picked for one class can also show another).
    """
    if shots < 1:
        raise ValueError(f'shots must be >= 1, got {shots}')
    counts = [0] * len(classes)
    for labels in label_sets:
        for c in set(labels):
            counts[c] += 1
    short = {classes[i]: n for i, n in enumerate(counts) if n < shots}
    if short:
        raise ValueError(f'{source}: fewer than K={shots} support images for class(es) '
                         f'{short} (images per class)')
    return {c: n for c, n in zip(classes, counts)}


def fewshot_metainfo(classes: Sequence[str], metainfo: Mapping | None,
                     source: str) -> Dict:
    """The view's metainfo: its ``classes`` plus the config's other entries.

    Raises:
        ValueError: when the config's ``metainfo['classes']`` differs from the
            classes read from ``source`` (the annotation files).
    """
    meta = dict(classes=tuple(classes))
    for key, value in (metainfo or {}).items():
        if key == 'classes' and tuple(value) != meta['classes']:
            raise ValueError(f"metainfo['classes'] {list(value)} contradicts {source}: "
                             f"{list(meta['classes'])}; drop it from the config")
        meta[key] = value
    return meta
