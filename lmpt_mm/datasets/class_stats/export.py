"""Export train-split class statistics: table, JSON, bar chart, DB-loss pickle.

Used by ``tools/dataset_stats.py``. ``class_freq.pkl`` follows the
Distribution-Balanced loss code: a dict with ``gt_labels`` (``[N, C]`` int64),
``class_freq``, ``neg_class_freq`` (``[C]`` int64) and ``condition_prob``
(``[C, C]`` float64, ``P(j | i)``).
"""
import json
import os
import os.path as osp
import pickle
from typing import Dict, Optional

import numpy as np

from ..lt_annotations import read_label_file, read_split_list
from .counts import (GROUP_NAMES, class_stats_metainfo, db_loss_stats, group_of_classes,
                     label_matrix)

__all__ = [
    'compute_split_stats', 'format_stats_table', 'stats_to_json',
    'plot_class_freq', 'export_class_stats'
]

GROUP_COLORS = {'head': '#1f77b4', 'medium': '#ff7f0e', 'tail': '#2ca02c'}


def compute_split_stats(label_file: str,
                        train_ann_file: str,
                        head_thr: int = 100,
                        tail_thr: int = 20) -> dict:
    """All statistics of a train split list.

    Returns:
        dict with ``classes``, ``gt_labels`` (``[N, C]``), ``image_paths``,
        ``num_unlabeled`` and the entries of
        :func:`~lmpt_mm.datasets.class_stats.counts.class_stats_metainfo`.
    """
    classes = read_label_file(label_file)
    records = read_split_list(train_ann_file, len(classes))
    gt_labels = label_matrix([r.labels for r in records], len(classes))
    stats = class_stats_metainfo(gt_labels, head_thr, tail_thr)
    stats.update(
        classes=list(classes),
        gt_labels=gt_labels,
        image_paths=[r.path for r in records],
        num_unlabeled=sum(1 for r in records if not r.labels),
        label_file=str(label_file),
        train_ann_file=str(train_ann_file))
    return stats


def format_stats_table(stats: dict) -> str:
    """Human-readable per-class counts and group sizes."""
    groups = group_of_classes(stats['class_freq'], stats['head_thr'],
                              stats['tail_thr'])
    width = max(len(n) for n in stats['classes'])
    lines = [
        f'train images: {stats["num_train_images"]} (without label: '
        f'{stats["num_unlabeled"]}); thresholds head >= {stats["head_thr"]}, '
        f'tail < {stats["tail_thr"]}',
        f'{"id":>3}  {"class":<{width}}  {"freq":>6}  {"neg":>6}  group'
    ]
    for i, name in enumerate(stats['classes']):
        lines.append(f'{i:>3}  {name:<{width}}  {stats["class_freq"][i]:>6}  '
                     f'{stats["neg_class_freq"][i]:>6}  {groups[i]}')
    lines.append('groups: ' + ', '.join(
        f'{g} {len(stats["class_groups"][g])}' for g in GROUP_NAMES))
    return '\n'.join(lines)


def stats_to_json(stats: dict) -> dict:
    """The JSON-serialisable part of ``stats`` (no label matrix)."""
    groups = group_of_classes(stats['class_freq'], stats['head_thr'],
                              stats['tail_thr'])
    return dict(
        label_file=stats['label_file'],
        train_ann_file=stats['train_ann_file'],
        num_train_images=stats['num_train_images'],
        num_unlabeled=stats['num_unlabeled'],
        head_thr=stats['head_thr'],
        tail_thr=stats['tail_thr'],
        classes=list(stats['classes']),
        class_freq=list(stats['class_freq']),
        neg_class_freq=list(stats['neg_class_freq']),
        class_groups=stats['class_groups'],
        group_sizes={g: len(stats['class_groups'][g])
                     for g in GROUP_NAMES},
        per_class=[
            dict(id=i, name=n, freq=stats['class_freq'][i], group=groups[i])
            for i, n in enumerate(stats['classes'])
        ])


def plot_class_freq(stats: dict, path: str, title: Optional[str] = None) -> None:
    """Bar chart of train class frequency (sorted), coloured by group."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    freq = np.asarray(stats['class_freq'])
    groups = group_of_classes(freq, stats['head_thr'], stats['tail_thr'])
    order = np.argsort(-freq, kind='stable')
    num = len(freq)
    fig, ax = plt.subplots(figsize=(max(6.0, 0.18 * num + 2), 4.5))
    ax.bar(range(num), freq[order],
           color=[GROUP_COLORS[groups[i]] for i in order])
    ax.set_xticks(range(num))
    ax.set_xticklabels([stats['classes'][i] for i in order],
                       rotation=90, fontsize=7)
    ax.set_ylabel('train images')
    ax.set_yscale('log')
    ax.axhline(stats['head_thr'], color='grey', ls='--', lw=0.8)
    ax.axhline(stats['tail_thr'], color='grey', ls=':', lw=0.8)
    ax.legend(handles=[
        Patch(color=GROUP_COLORS[g],
              label=f'{g} ({len(stats["class_groups"][g])})')
        for g in GROUP_NAMES
    ])
    ax.set_title(title or osp.basename(stats['train_ann_file']))
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def export_class_stats(stats: dict,
                       out_dir: str,
                       title: Optional[str] = None) -> Dict[str, str]:
    """Write ``class_stats.json``, ``class_freq.png`` and ``class_freq.pkl``.

    Returns:
        ``{'json': path, 'png': path, 'pkl': path}``.
    """
    os.makedirs(out_dir, exist_ok=True)
    paths = dict(
        json=osp.join(out_dir, 'class_stats.json'),
        png=osp.join(out_dir, 'class_freq.png'),
        pkl=osp.join(out_dir, 'class_freq.pkl'))
    with open(paths['json'], 'w') as f:
        json.dump(stats_to_json(stats), f, indent=2)
    plot_class_freq(stats, paths['png'], title)
    with open(paths['pkl'], 'wb') as f:
        pickle.dump(db_loss_stats(stats['gt_labels']), f)
    return paths

