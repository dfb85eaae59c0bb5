"""The offline world's multi-label few-shot split (the protocol of HP-DVAL's Table II).

Mirrors the VOC2007 split released with HP-DVAL (Huang et al., IEEE TIP, Section
IV-A.2): 14 base / 6 novel of the world's 20 classes; base training = train images
without any novel object (base labels); support episodes drawn from the train images
with a novel object, each novel class in exactly K images where possible; novel test =
test images with a novel object (novel labels). Base and support images are disjoint by
construction. The files are written in the same CSV format as the VOC2007 split (read
by ``FewShotCSVDataset``), ``name`` being the image path under ``images/`` without
``.png``.

The novel classes are six of the world's medium classes (20-82 train images): enough
images for ten 5-shot episodes, while base training keeps most of the train split.
"""
from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

import numpy as np

from lmpt_mm.datasets.lt_annotations import read_label_file
from .data import read_label_list

__all__ = ['NOVEL_CLASSES', 'sample_episode', 'generate_fewshot_split']

NOVEL_CLASSES: Tuple[str, ...] = ('ring', 'moon', 'house', 'umbrella', 'table', 'cloud')


def sample_episode(labels: np.ndarray, shots: int, rng: np.random.Generator) -> List[int]:
    """Rows of ``labels`` (``[N, C]`` 0/1, novel classes only) forming one support set.

    For each class in a random order, images with that class are drawn until it has
    ``shots`` positives, preferring images whose other classes are not yet full (so each
    class ends with exactly ``shots`` images when the pool allows; otherwise some class
    gets more, as in LaSO's COCO episodes).

    Raises:
        ValueError: a class has fewer than ``shots`` images in the pool.
    """
    counts = np.zeros(labels.shape[1], dtype=int)
    chosen: List[int] = []
    for c in rng.permutation(labels.shape[1]):
        while counts[c] < shots:
            has_c = [i for i in np.flatnonzero(labels[:, c]) if i not in chosen]
            if not has_c:
                raise ValueError(f'class {c}: only {counts[c]} of K={shots} images in the '
                                 'support pool')
            exact = [i for i in has_c if (counts[labels[i] > 0] < shots).all()]
            pick = (exact or has_c)[rng.integers(len(exact or has_c))]
            chosen.append(int(pick))
            counts += labels[pick]
    return sorted(chosen)


def _write_csv(path: Path, classes: Sequence[str], names: Sequence[str],
               labels: np.ndarray) -> None:
    with open(path, 'w', newline='') as f:
        w = csv.writer(f)
        w.writerow(['name', *classes])
        for name, row in zip(names, labels):
            w.writerow([name, *map(int, row)])


def generate_fewshot_split(world: str | Path, out: str | Path | None = None,
                           novel: Sequence[str] = NOVEL_CLASSES,
                           shots: Sequence[int] = (1, 5), episodes: int = 10,
                           seed: int = 0, train_list: str = 'lt_train.txt',
                           test_list: str = 'lt_test.txt') -> Dict:
    """Write the few-shot CSV files of the world in ``world`` into ``out``.

    Args:
        world: the world folder (``labels.txt``, ``train_list``, ``test_list``; image
            paths ``images/<name>.png``).
        out: output folder; default ``world/fewshot``.
        novel: novel class names (the others are base).
        shots: the K of the episodes.
        episodes: episodes per K.
        seed: sampling seed (episode ``e`` of K uses ``[seed, K, e]``).
        train_list, test_list: the split lists of the world.

    Returns:
        The summary also written to ``out/fewshot.json``.
    """
    world = Path(world)
    out = Path(out) if out is not None else world / 'fewshot'
    out.mkdir(parents=True, exist_ok=True)
    names = read_label_file(world / 'labels.txt')
    unknown = [c for c in novel if c not in names]
    if unknown:
        raise ValueError(f'novel classes {unknown} are not in {world / "labels.txt"}')
    novel_ids = [names.index(c) for c in novel]
    base_ids = [i for i in range(len(names)) if i not in novel_ids]
    base_names = [names[i] for i in base_ids]
    split = {}
    for s, list_file in (('train', train_list), ('test', test_list)):
        rels, y = read_label_list(world / list_file, len(names))
        bad = [r for r in rels if not (r.startswith('images/') and r.endswith('.png'))]
        if bad:
            raise ValueError(f'{world / list_file}: image path {bad[0]!r} is not '
                             'images/<name>.png')
        split[s] = ([r[len('images/'):-len('.png')] for r in rels], y)
    (tr_names, tr_y), (te_names, te_y) = split['train'], split['test']
    has_novel_tr = tr_y[:, novel_ids].any(1)
    has_novel_te = te_y[:, novel_ids].any(1)
    pick = lambda ns, m: [n for n, k in zip(ns, m) if k]  # noqa: E731
    _write_csv(out / 'classification_Train_base.csv', base_names,
               pick(tr_names, ~has_novel_tr), tr_y[~has_novel_tr][:, base_ids])
    _write_csv(out / 'classification_Test_base.csv', base_names,
               pick(te_names, ~has_novel_te), te_y[~has_novel_te][:, base_ids])
    pool_names, pool_y = pick(tr_names, has_novel_tr), tr_y[has_novel_tr][:, novel_ids]
    _write_csv(out / 'classification_Train_novel.csv', novel, pool_names, pool_y)
    _write_csv(out / 'classification_Test_novel.csv', novel, pick(te_names, has_novel_te),
               te_y[has_novel_te][:, novel_ids])
    per_episode = {}
    for k in shots:
        for e in range(1, episodes + 1):
            rows = sample_episode(pool_y, k, np.random.default_rng([seed, k, e]))
            _write_csv(out / f'classification_Train_novel_{k}shot_{e}.csv', novel,
                       [pool_names[i] for i in rows], pool_y[rows])
            per_episode[f'{k}shot_{e}'] = dict(images=len(rows),
                                               per_class=pool_y[rows].sum(0).tolist())
    summary = dict(novel=list(novel), base=base_names, seed=seed,
                   base_train_images=int((~has_novel_tr).sum()),
                   support_pool_images=len(pool_names),
                   novel_test_images=int(has_novel_te.sum()), episodes=per_episode)
    (out / 'fewshot.json').write_text(json.dumps(summary, indent=1))
    return summary
