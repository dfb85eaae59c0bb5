"""HP-DVAL's MS-COCO 2014 few-shot split (LaSO's 64 base / 16 novel classes).

The episodes file (released with HP-DVAL, Huang et al., IEEE TIP) holds
``novel_label_ids`` / ``base_label_ids`` (label ids ``0..79``, see
:mod:`.coco_instances`) and ``episodes['<K>shot']``: 10 episodes, each with
``class_to_indices`` (novel label id -> support images) and ``used_indices``. An index
is a position in the ``images`` list of the user's own ``instances_train2014.json``.

Views: ``'base'`` (train2014 images with a base label, base labels only, without the
support images of any episode), ``'support'`` (the episode's images with their novel
labels), ``'novel_test'`` (val2014 images with a novel label, novel labels only) and
``'base_test'`` (val2014 images with a base label, base labels only).
"""
from __future__ import annotations

import json
import logging
import os
import os.path as osp
from typing import Dict, List, Literal, Optional, Sequence

from mmengine.logging import print_log
from mmpretrain.datasets import MultiLabelDataset
from mmpretrain.registry import DATASETS

from ..image_check import NamedImageErrorsMixin
from .checks import (check_base_classes, check_disjoint, check_support_counts,
                     fewshot_metainfo)
from .coco_instances import CocoImageLabels, read_coco_instances

__all__ = ['read_coco_episodes', 'support_indices', 'COCO2014FewShot']


def _resolve(path: str, root: str) -> str:
    path = osp.expanduser(os.fspath(path))
    return path if osp.isabs(path) or not root else osp.join(root, path)


def read_coco_episodes(path: str) -> dict:
    """Load and validate the episodes file (ids in 0..79, disjoint base/novel)."""
    path = os.fspath(path)
    if not osp.isfile(path):
        raise FileNotFoundError(f'COCO few-shot episodes file not found: {path}')
    with open(path) as f:
        data = json.load(f)
    for key in ('novel_label_ids', 'base_label_ids', 'episodes'):
        if key not in data:
            raise ValueError(f'{path}: no {key!r} entry')
    novel, base = data['novel_label_ids'], data['base_label_ids']
    check_base_classes([str(i) for i in base], [str(i) for i in novel],
                       f'{path} (base_label_ids)')
    return data


def support_indices(episodes: dict, shots: int, episode: int,
                    source: str) -> Dict[int, List[int]]:
    """``{novel label id: [image index, ...]}`` of one episode (1-based), validated
    against the file's own ``novel_label_ids`` and ``used_indices``."""
    key = f'{int(shots)}shot'
    eps = episodes['episodes'].get(key)
    if eps is None:
        raise ValueError(f"{source}: no episodes['{key}'] (has "
                         f"{sorted(episodes['episodes'])})")
    if not 1 <= episode <= len(eps):
        raise ValueError(f"{source}: episode {episode} is not in 1..{len(eps)} of "
                         f"episodes['{key}']")
    entry = eps[episode - 1]
    c2i = {int(k): [int(i) for i in v] for k, v in entry['class_to_indices'].items()}
    if sorted(c2i) != sorted(episodes['novel_label_ids']):
        raise ValueError(f"{source}: episodes['{key}'][{episode - 1}].class_to_indices "
                         f"keys {sorted(c2i)} differ from novel_label_ids")
    used = set(entry.get('used_indices', []))
    stray = sorted({i for v in c2i.values() for i in v} - used) if used else []
    if stray:
        raise ValueError(f"{source}: episodes['{key}'][{episode - 1}]: indices {stray[:5]} "
                         'of class_to_indices are not in used_indices')
    return c2i


@DATASETS.register_module()
class COCO2014FewShot(NamedImageErrorsMixin, MultiLabelDataset):
    """A view of the COCO 2014 few-shot split; ``metainfo['classes']`` are the COCO
    category names of the view's label ids (novel, or base for ``'base'``).

    Checks (``ValueError`` naming the file and entry): an episode index outside the
    annotation file's images; a class with fewer than K support images; base and novel
    label ids that overlap; with ``exclude_support=False``, a base image that is a
    support image of some episode.

    Args:
        view: ``'base'``, ``'support'``, ``'novel_test'`` or ``'base_test'``.
        episodes_file: the episodes JSON.
        ann_file: the COCO instances file of the view (``instances_train2014.json``
            for base and support, ``instances_val2014.json`` for the novel test).
        train_ann_file: ``instances_train2014.json``, the file the episode indices
            refer to; defaults to ``ann_file`` (needed for ``'base'`` / ``'support'``).
        shots, episode: K and the 1-based episode for ``'support'``.
        data_root: root of the file arguments and images.
        img_prefix: image folder (``'train2014'`` / ``'val2014'``).
        exclude_support: for ``'base'``, drop every support image of every episode
            (logged); ``False`` raises if there is one instead.
        **kwargs: as :class:`mmengine.dataset.BaseDataset`.
    """

    def __init__(self,
                 view: Literal['base', 'base_test', 'support', 'novel_test'] = 'base',
                 episodes_file: str = 'coco2014_fewshot_episodes.json',
                 ann_file: str = 'annotations/instances_train2014.json',
                 train_ann_file: Optional[str] = None,
                 shots: Optional[int] = None,
                 episode: Optional[int] = None,
                 data_root: str = '',
                 img_prefix: str = 'train2014',
                 exclude_support: bool = True,
                 metainfo: Optional[dict] = None,
                 **kwargs):
        if view not in ('base', 'base_test', 'support', 'novel_test'):
            raise ValueError("view must be 'base', 'base_test', 'support' or 'novel_test', "
                             f'got {view!r}')
        if view == 'support' and (shots is None or episode is None):
            raise ValueError(f"view='support' needs shots and episode, got shots={shots}, "
                             f'episode={episode}')
        data_root = os.fspath(data_root) if data_root else ''
        self.view, self.shots, self.episode = view, shots, episode
        self.episodes_file = _resolve(episodes_file, data_root)
        ann_path = _resolve(ann_file, data_root)
        self.exclude_support = exclude_support
        episodes = read_coco_episodes(self.episodes_file)
        ids = episodes['base_label_ids'] if view in ('base', 'base_test') else episodes[
            'novel_label_ids']
        self.label_ids: List[int] = [int(i) for i in ids]
        coco = read_coco_instances(ann_path)
        bad = [i for i in self.label_ids if not 0 <= i < len(coco.category_names)]
        if bad:
            raise ValueError(f'{self.episodes_file}: label ids {bad} are outside the '
                             f'{len(coco.category_names)} categories of {ann_path}')
        self._infos = self._build(episodes, coco)
        meta = fewshot_metainfo([coco.category_names[i] for i in self.label_ids], metainfo,
                                f'{self.episodes_file} and {ann_path}')
        super().__init__(ann_file=ann_path, metainfo=meta, data_root=data_root,
                         data_prefix=img_prefix, **kwargs)

    def _join_prefix(self):
        ann_file = self.ann_file  # already resolved against data_root
        super()._join_prefix()
        self.ann_file = ann_file

    def _restrict(self, labels: Sequence[int]) -> List[int]:
        index = {lid: k for k, lid in enumerate(self.label_ids)}
        return sorted(index[lid] for lid in labels if lid in index)

    def _all_support(self, episodes: dict, n_images: int, source: str) -> Dict[int, str]:
        """image index -> the first episode entry naming it, over every episode."""
        out: Dict[int, str] = {}
        for key, eps in episodes['episodes'].items():
            for e, entry in enumerate(eps):
                for lid, idx in entry['class_to_indices'].items():
                    for i in idx:
                        self._check_index(int(i), n_images, source,
                                          f"episodes['{key}'][{e}].class_to_indices['{lid}']")
                        out.setdefault(int(i), f"episodes['{key}'][{e}]")
        return out

    def _check_index(self, i: int, n_images: int, ann_path: str, entry: str) -> None:
        if not 0 <= i < n_images:
            raise ValueError(f'{self.episodes_file}: {entry}: image index {i} is outside '
                             f'the {n_images} images of {ann_path}: episodes index the '
                             "'images' list of instances_train2014.json")

    def _build(self, episodes: dict, coco: CocoImageLabels) -> List[dict]:
        n = len(coco.image_ids)
        if self.view == 'support':
            c2i = support_indices(episodes, self.shots, self.episode, self.episodes_file)
            order: List[int] = []
            for lid in sorted(c2i):
                for i in c2i[lid]:
                    self._check_index(i, n, coco.path, f"episodes['{self.shots}shot']"
                                      f"[{self.episode - 1}].class_to_indices['{lid}']")
                    if i not in order:
                        order.append(i)
            infos = [self._info(coco, i) for i in order]
            check_support_counts([x['gt_label'] for x in infos],
                                 [coco.category_names[i] for i in self.label_ids],
                                 int(self.shots), f"{self.episodes_file} episodes['"
                                 f"{self.shots}shot'][{self.episode - 1}] with {coco.path}")
            return infos
        if self.view == 'base':
            support = self._all_support(episodes, n, coco.path)
            infos, dropped = [], 0
            for i in range(n):
                if not self._restrict(coco.labels[i]):
                    continue
                if i in support:
                    if not self.exclude_support:
                        check_disjoint({i: f'image {i}'}, {i: support[i]}, coco.path,
                                       self.episodes_file)
                    dropped += 1
                    continue
                infos.append(self._info(coco, i))
            print_log(f'COCO2014FewShot base: {len(infos)} train images with a base label '
                      f'({dropped} support images of the episodes left out)',
                      logger='current', level=logging.INFO)
            return infos
        return [self._info(coco, i) for i in range(n) if self._restrict(coco.labels[i])]

    def _info(self, coco: CocoImageLabels, i: int) -> dict:
        return dict(img_path=coco.file_names[i], gt_label=self._restrict(coco.labels[i]),
                    coco_image_id=coco.image_ids[i], coco_index=i)

    def load_data_list(self) -> List[dict]:
        root = self.data_prefix.get('img_path', '')
        infos, self._infos = self._infos, None
        for info in infos:
            info['img_path'] = osp.join(root, info['img_path']) if root else info['img_path']
        return infos
