"""Long-tailed multi-label datasets in the LTML format: VOC-LT, COCO-LT, generic.

Construction reads only text files (class names, the split list, the train
list for the statistics, captions): never an image. Images are read by the
pipeline (``LoadImageFromFile``), whose error names the missing path.
"""
import logging
import os
import os.path as osp
from typing import List, Literal, Optional, Sequence

from mmengine.logging import print_log
from mmpretrain.datasets import MultiLabelDataset
from mmpretrain.registry import DATASETS

from .class_stats import class_stats_metainfo, label_matrix
from .image_check import NamedImageErrorsMixin
from .lt_annotations import (SplitRecord, align_captions, read_caption_file,
                             read_label_file, read_split_list)

__all__ = ['LTMultiLabelDataset', 'VOCLT', 'COCOLT']

# keys computed from the files; a user ``metainfo`` may not contradict them
_DERIVED_KEYS = ('classes', )


def _resolve(path: Optional[str], data_root: str) -> Optional[str]:
    """``path`` if absolute (or None), else ``data_root/path``."""
    if path is None:
        return None
    path = osp.expanduser(os.fspath(path))
    if osp.isabs(path) or not data_root:
        return path
    return osp.join(data_root, path)


@DATASETS.register_module()
class LTMultiLabelDataset(NamedImageErrorsMixin, MultiLabelDataset):
    """A multi-label dataset read from LTML-format text files.

    Data info keys: ``img_path`` (image root joined with the listed path),
    ``gt_label`` (sorted unique class ids, possibly empty), ``caption`` (when
    ``with_caption``), plus ``sample_idx`` added by MMEngine.

    ``metainfo`` holds ``classes`` (from ``label_file``) and the statistics of
    the **train** list ``train_ann_file`` - ``class_freq``,
    ``neg_class_freq`` (lists of int), ``class_groups`` (``{'head', 'medium',
    'tail'}`` sorted index lists), ``num_train_images``, ``head_thr``,
    ``tail_thr`` - so they are available even with ``lazy_init=True`` and for
    the test split.

    Args:
        ann_file: split list ``<path> <ids...>`` of this dataset.
        label_file: class-name file ``<name> <id>``.
        data_root: root for relative file arguments and image paths.
        train_ann_file: train split list for the statistics. ``None`` means
            ``ann_file`` itself is the train split - pass it for a test split.
        caption_file: caption file aligned with ``ann_file`` (needed when
            ``with_caption``).
        with_caption: add ``caption`` to every data info.
        img_prefix: folder (relative to ``data_root`` unless absolute) the
            listed image paths are relative to. Defaults to ``''``.
        head_thr: train frequency from which a class is *head*.
        tail_thr: train frequency below which a class is *tail*.
        metainfo: extra meta information; it may add keys or override the
            statistics, but not contradict the class names.
        pipeline, test_mode, lazy_init, indices, serialize_data, max_refetch,
        filter_cfg: as in :class:`mmengine.dataset.BaseDataset`.

    All file arguments are relative to ``data_root`` unless absolute.
    """

    def __init__(self,
                 ann_file: str,
                 label_file: str,
                 data_root: str = '',
                 train_ann_file: Optional[str] = None,
                 caption_file: Optional[str] = None,
                 with_caption: bool = False,
                 img_prefix: str = '',
                 head_thr: int = 100,
                 tail_thr: int = 20,
                 metainfo: Optional[dict] = None,
                 pipeline: Sequence = (),
                 test_mode: bool = False,
                 lazy_init: bool = False,
                 **kwargs):
        data_root = os.fspath(data_root) if data_root else ''
        self.label_file = _resolve(label_file, data_root)
        self.train_ann_file = _resolve(
            train_ann_file if train_ann_file is not None else ann_file,
            data_root)
        self.caption_file = _resolve(caption_file, data_root)
        self.with_caption = with_caption
        self.head_thr = head_thr
        self.tail_thr = tail_thr
        if with_caption and self.caption_file is None:
            raise ValueError(
                f'with_caption=True needs a caption_file aligned with '
                f'{ann_file}; captions exist for the train split only - pass '
                'caption_file=... or with_caption=False')
        ann_path = _resolve(ann_file, data_root)

        classes = read_label_file(self.label_file)
        train_records = read_split_list(self.train_ann_file, len(classes))
        stats = class_stats_metainfo(
            label_matrix([r.labels for r in train_records], len(classes)),
            head_thr, tail_thr)
        print_log(
            f'{type(self).__name__}: class statistics from {self.train_ann_file} '
            f'({len(train_records)} train images; head/medium/tail = '
            + '/'.join(str(len(v)) for v in stats['class_groups'].values())
            + f' classes at thresholds {head_thr}/{tail_thr})',
            logger='current',
            level=logging.INFO)
        # the train split parsed for the statistics is reused by load_data_list
        self._cached_records: Optional[List[SplitRecord]] = (
            train_records if ann_path == self.train_ann_file else None)

        meta = dict(classes=tuple(classes), **stats)
        for key, value in (metainfo or {}).items():
            if key in _DERIVED_KEYS and tuple(value) != meta[key]:
                raise ValueError(
                    f'metainfo[{key!r}] contradicts the label file '
                    f'{self.label_file}; drop it from the config')
            meta[key] = value
        self.num_unlabeled = 0
        super().__init__(
            ann_file=ann_path,
            metainfo=meta,
            data_root=data_root,
            data_prefix=img_prefix,
            pipeline=pipeline,
            test_mode=test_mode,
            lazy_init=lazy_init,
            **kwargs)

    def _join_prefix(self):
        # ann_file was already resolved against data_root in __init__;
        # MMEngine would join a relative one a second time
        ann_file = self.ann_file
        super()._join_prefix()
        self.ann_file = ann_file

    def load_data_list(self) -> List[dict]:
        """Parse the split list (and captions) into data infos."""
        num_classes = len(self._metainfo['classes'])
        if self._cached_records is not None:
            records, self._cached_records = self._cached_records, None
        else:
            records = read_split_list(self.ann_file, num_classes)
        captions = None
        if self.with_caption:
            captions = align_captions(records,
                                      read_caption_file(self.caption_file),
                                      self.ann_file, self.caption_file)

        unlabeled = [r for r in records if not r.labels]
        self.num_unlabeled = len(unlabeled)
        if unlabeled:
            first = unlabeled[0]
            print_log(
                f'{self.ann_file}: {len(unlabeled)} image(s) have no label and '
                f'are kept as all-negative (first: line {first.lineno}, '
                f'{first.path})',
                logger='current',
                level=logging.WARNING)

        img_root = self.data_prefix.get('img_path', '')
        data_list = []
        for i, rec in enumerate(records):
            info = dict(
                img_path=osp.join(img_root, rec.path) if img_root else rec.path,
                gt_label=list(rec.labels))
            if captions is not None:
                info['caption'] = captions[i]
            data_list.append(info)
        return data_list

    def extra_repr(self) -> List[str]:
        body = super().extra_repr()
        body.append(f'Label file: \t{self.label_file}')
        body.append(f'Statistics from: \t{self.train_ann_file}')
        if self.with_caption:
            body.append(f'Caption file: \t{self.caption_file}')
        return body


class _StandardLTDataset(LTMultiLabelDataset):
    """An LTML dataset with the standard file names ``<name>_lt_<split>.txt``,
    ``<name>_labels.txt`` and ``<name>_lt_captions.txt`` (train only)."""

    FILE_PREFIX: str = ''

    def __init__(self,
                 data_root: str = '',
                 split: Literal['train', 'test'] = 'train',
                 ann_file: Optional[str] = None,
                 label_file: Optional[str] = None,
                 caption_file: Optional[str] = None,
                 train_ann_file: Optional[str] = None,
                 with_caption: bool = False,
                 **kwargs):
        if split not in ('train', 'test'):
            raise ValueError(f"split must be 'train' or 'test', got {split!r}")
        p = self.FILE_PREFIX
        if ann_file is None:
            ann_file = f'{p}_lt_{split}.txt'
        if label_file is None:
            label_file = f'{p}_labels.txt'
        if train_ann_file is None:
            train_ann_file = f'{p}_lt_train.txt' if split == 'test' else ann_file
        if caption_file is None and split == 'train':
            caption_file = f'{p}_lt_captions.txt'
        self.split = split
        super().__init__(
            ann_file=ann_file,
            label_file=label_file,
            data_root=data_root,
            train_ann_file=train_ann_file,
            caption_file=caption_file,
            with_caption=with_caption,
            **kwargs)


@DATASETS.register_module()
class VOCLT(_StandardLTDataset):
    """VOC-LT (20 classes): ``voc_lt_{train,test}.txt``, ``voc_labels.txt``,
    ``voc_lt_captions.txt``; image paths like
    ``VOCdevkit/VOC2012/JPEGImages/<id>.jpg`` relative to ``data_root``.

    Args:
        data_root: dataset root; file arguments and images are relative to it.
        split: ``'train'`` or ``'test'``; the test split takes its statistics
            from ``train_ann_file`` (default ``voc_lt_train.txt``).
        ann_file, label_file, caption_file, train_ann_file: override the
            standard file names.
        with_caption: add the train captions to the data infos.
        **kwargs: see :class:`LTMultiLabelDataset`.
    """
    FILE_PREFIX = 'voc'


@DATASETS.register_module()
class COCOLT(_StandardLTDataset):
    """COCO-LT (80 classes): ``coco_lt_{train,test}.txt``, ``coco_labels.txt``,
    ``coco_lt_captions.txt``; image paths ``train2017/<id>.jpg`` and
    ``val2017/<id>.jpg`` relative to ``data_root``.

    Args: as :class:`VOCLT`.
    """
    FILE_PREFIX = 'coco'
