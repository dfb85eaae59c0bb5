"""Multi-label few-shot splits in the CSV format of the HP-DVAL release (VOC2007).

Huang et al. (HP-DVAL, IEEE TIP) publish the VOC2007 split (14 base / 6 novel classes)
and its 10 support episodes per K as CSV files with the header ``name,<class>,...`` and
one 0/1 row per image; ``name`` is the VOC2007 image id without its leading zeros
(``549`` is ``JPEGImages/000549.jpg``). File names:

* ``classification_Train_base.csv`` (view ``'base'``), ``classification_Test_base.csv``
  (``'base_test'``), ``classification_Train_novel.csv`` (``'novel_train'``: the pool the
  episodes were drawn from), ``classification_Test_novel.csv`` (``'novel_test'``),
* ``classification_Train_novel_{K}shot_{episode}.csv`` (``'support'``).

Rows whose labels are all 0 are unlabeled for that class subset; the reference loader
drops them, and so do we (logged).
"""
from __future__ import annotations

import csv
import glob
import logging
import os
import os.path as osp
import re
from dataclasses import dataclass
from typing import Dict, List, Literal, Optional, Tuple

from mmengine.logging import print_log
from mmpretrain.datasets import MultiLabelDataset
from mmpretrain.registry import DATASETS

from ..image_check import NamedImageErrorsMixin
from .checks import (check_base_classes, check_disjoint, check_support_counts,
                     fewshot_metainfo)

__all__ = ['CSVRecord', 'read_fewshot_csv', 'fewshot_csv_name', 'FewShotCSVDataset',
           'VOC2007FewShot']

View = Literal['base', 'base_test', 'novel_train', 'novel_test', 'support']
VIEW_FILES: Dict[str, str] = {
    'base': 'classification_Train_base.csv',
    'base_test': 'classification_Test_base.csv',
    'novel_train': 'classification_Train_novel.csv',
    'novel_test': 'classification_Test_novel.csv',
}
_SUPPORT = re.compile(r'classification_Train_novel_(\d+)shot_(\d+)\.csv$')


def fewshot_csv_name(view: str, shots: Optional[int] = None,
                     episode: Optional[int] = None) -> str:
    """The file name of a view (``'support'`` needs ``shots`` and ``episode``)."""
    if view == 'support':
        if shots is None or episode is None:
            raise ValueError(f"view='support' needs shots and episode, got shots={shots}, "
                             f'episode={episode}')
        return f'classification_Train_novel_{int(shots)}shot_{int(episode)}.csv'
    if view not in VIEW_FILES:
        raise ValueError(f'view must be one of {sorted(VIEW_FILES) + ["support"]}, '
                         f'got {view!r}')
    return VIEW_FILES[view]


@dataclass(frozen=True)
class CSVRecord:
    """One row: image ``name`` as written, sorted positive class ids, 1-based line."""
    name: str
    labels: Tuple[int, ...]
    lineno: int


def read_fewshot_csv(path: str) -> Tuple[List[str], List[CSVRecord]]:
    """Parse a few-shot CSV file into its class names and rows.

    Args:
        path: the CSV file (header ``name,<class>,...``).

    Returns:
        ``(classes, records)``: the class columns in file order, and every row
        (all-zero rows included; the dataset drops them).

    Raises:
        FileNotFoundError: naming the path.
        ValueError: naming ``file:line`` for a bad header, a row with the wrong number
            of fields, a value other than 0/1, or a repeated image name.
    """
    path = os.fspath(path)
    if not osp.isfile(path):
        raise FileNotFoundError(f'few-shot CSV file not found: {path}')
    with open(path, newline='', encoding='utf-8-sig') as f:
        rows = [(i, r) for i, r in enumerate(csv.reader(f), 1) if any(x.strip() for x in r)]
    if not rows or rows[0][1][0].strip() != 'name' or len(rows[0][1]) < 2:
        raise ValueError(f'{path}:1: expected the header name,<class>,..., got '
                         f'{rows[0][1] if rows else "an empty file"}')
    classes = [c.strip() for c in rows[0][1][1:]]
    records, seen = [], {}
    for lineno, row in rows[1:]:
        if len(row) != len(classes) + 1:
            raise ValueError(f'{path}:{lineno}: {len(row)} fields, the header has '
                             f'{len(classes) + 1}')
        name = row[0].strip()
        if name in seen:
            raise ValueError(f'{path}:{lineno}: image {name!r} repeats line {seen[name]}')
        seen[name] = lineno
        values = [v.strip() for v in row[1:]]
        bad = [v for v in values if v not in ('0', '1')]
        if bad:
            raise ValueError(f'{path}:{lineno}: labels must be 0 or 1, got {bad[0]!r}')
        records.append(CSVRecord(name, tuple(i for i, v in enumerate(values) if v == '1'),
                                 lineno))
    return classes, records


def _entries(path: str, records: List[CSVRecord]) -> Dict[str, str]:
    return {r.name: f'line {r.lineno}' for r in records}


@DATASETS.register_module()
class FewShotCSVDataset(NamedImageErrorsMixin, MultiLabelDataset):
    """A view of a multi-label few-shot split stored as CSV files (HP-DVAL's format).

    Data infos: ``img_path`` (``data_root/img_prefix/img_format.format(name=...)``),
    ``gt_label`` (sorted class ids), ``fewshot_name`` (the CSV's ``name``).
    ``metainfo['classes']`` are the view's CSV columns: base classes for ``'base'`` /
    ``'base_test'``, novel classes otherwise.

    Checks at construction (``ValueError`` naming the file and line):

    * ``'base'``: no novel class (the columns of ``classification_Train_novel.csv``, or
      of ``classification_Test_novel.csv``) among the base columns; no base image in
      any support file of the folder.
    * ``'support'``: every novel class in at least ``shots`` images; no support image
      among the base training images.

    Args:
        view: which file (see the module docstring).
        shots, episode: K and the 1-based episode, for ``view='support'``.
        ann_dir: folder of the CSV files (relative to ``data_root`` unless absolute).
        data_root: dataset root.
        img_prefix: image folder relative to ``data_root``.
        img_format: image file name from the CSV ``name`` (``str.format`` field
            ``name``; e.g. ``'{name:0>6}.jpg'`` zero-pads VOC ids).
        check_leaks: run the base/support checks above.
        **kwargs: as :class:`mmengine.dataset.BaseDataset` (pipeline, test_mode, ...).
    """

    def __init__(self,
                 view: View = 'base',
                 shots: Optional[int] = None,
                 episode: Optional[int] = None,
                 ann_dir: str = '',
                 data_root: str = '',
                 img_prefix: str = '',
                 img_format: str = '{name}',
                 check_leaks: bool = True,
                 metainfo: Optional[dict] = None,
                 **kwargs):
        data_root = os.fspath(data_root) if data_root else ''
        ann_dir = osp.expanduser(os.fspath(ann_dir))
        self.ann_dir = ann_dir if osp.isabs(ann_dir) or not data_root else osp.join(
            data_root, ann_dir)
        self.view, self.shots, self.episode = view, shots, episode
        self.img_format = img_format
        self.check_leaks = check_leaks
        ann_path = osp.join(self.ann_dir, fewshot_csv_name(view, shots, episode))
        classes, records = read_fewshot_csv(ann_path)
        if view == 'support':
            check_support_counts([r.labels for r in records], classes, int(shots), ann_path)
        if check_leaks:
            self._check_leaks(ann_path, classes, records)
        self._records = records
        meta = fewshot_metainfo(classes, metainfo, f'the columns of {ann_path}')
        super().__init__(ann_file=ann_path, metainfo=meta, data_root=data_root,
                         data_prefix=img_prefix, **kwargs)

    # -- checks -----------------------------------------------------------------------
    def _check_leaks(self, ann_path: str, classes: List[str],
                     records: List[CSVRecord]) -> None:
        if self.view == 'base':
            novel_file = next((osp.join(self.ann_dir, VIEW_FILES[v])
                               for v in ('novel_train', 'novel_test')
                               if osp.isfile(osp.join(self.ann_dir, VIEW_FILES[v]))), None)
            if novel_file is not None:
                check_base_classes(classes, read_fewshot_csv(novel_file)[0], ann_path)
            base = _entries(ann_path, records)
            for path in sorted(glob.glob(osp.join(self.ann_dir, 'classification_Train_'
                                                  'novel_*shot_*.csv'))):
                if _SUPPORT.search(path):
                    check_disjoint(base, _entries(path, read_fewshot_csv(path)[1]),
                                   ann_path, path)
        elif self.view == 'support':
            base_file = osp.join(self.ann_dir, VIEW_FILES['base'])
            if osp.isfile(base_file):
                check_disjoint(_entries(base_file, read_fewshot_csv(base_file)[1]),
                               _entries(ann_path, records), base_file, ann_path)

    def _join_prefix(self):
        ann_file = self.ann_file  # already resolved against data_root
        super()._join_prefix()
        self.ann_file = ann_file

    def image_file(self, record: CSVRecord) -> str:
        """The image file name of a row (``img_format`` applied to its ``name``)."""
        return self.img_format.format(name=record.name)

    def load_data_list(self) -> List[dict]:
        """One data info per labelled row (all-zero rows dropped, logged)."""
        records, self._records = self._records, None
        if records is None:
            records = read_fewshot_csv(self.ann_file)[1]
        unlabeled = [r for r in records if not r.labels]
        if unlabeled:
            print_log(f'{self.ann_file}: {len(unlabeled)} row(s) with all labels 0 are '
                      f'unlabeled for these classes and dropped (first: line '
                      f'{unlabeled[0].lineno})', logger='current', level=logging.WARNING)
        root = self.data_prefix.get('img_path', '')
        return [dict(img_path=osp.join(root, self.image_file(r)), gt_label=list(r.labels),
                     fewshot_name=r.name) for r in records if r.labels]


@DATASETS.register_module()
class VOC2007FewShot(FewShotCSVDataset):
    """HP-DVAL's VOC2007 few-shot split (14 base / 6 novel classes).

    Images at ``data_root/VOCdevkit/VOC2007/JPEGImages/<id zero-padded to 6>.jpg``;
    the CSV files in ``ann_dir``. A ``name`` that is not a number is an error naming
    the file and line.

    Args: as :class:`FewShotCSVDataset` (``img_prefix`` and ``img_format`` default to
    VOC2007's layout).
    """

    def __init__(self, img_prefix: str = 'VOCdevkit/VOC2007/JPEGImages',
                 img_format: str = '{name:0>6}.jpg', **kwargs):
        super().__init__(img_prefix=img_prefix, img_format=img_format, **kwargs)

    def load_data_list(self) -> List[dict]:
        records = self._records if self._records is not None else read_fewshot_csv(
            self.ann_file)[1]
        bad = next((r for r in records if not r.name.isdigit()), None)
        if bad is not None:
            raise ValueError(f'{self.ann_file}:{bad.lineno}: VOC2007 image id {bad.name!r} '
                             'is not a number')
        self._records = records
        return super().load_data_list()
