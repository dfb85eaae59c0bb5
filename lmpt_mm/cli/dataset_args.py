"""Build LTML datasets from a config file or from command-line arguments.

Shared by ``tools/dataset_stats.py`` and ``tools/prepare_data.py`` so the
scripts stay thin. Datasets are built with ``lazy_init=True`` and an empty
pipeline: only the annotation files are read.
"""
import argparse
from typing import Dict, List, Optional, Sequence

from lmpt_mm.datasets.lt_multilabel import COCOLT, VOCLT, LTMultiLabelDataset

__all__ = [
    'add_dataset_args', 'datasets_from_config', 'datasets_from_args',
    'unwrap_lt_dataset'
]

_PRESETS = {'voc': VOCLT, 'coco': COCOLT}
_DATALOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


def add_dataset_args(parser: argparse.ArgumentParser) -> None:
    """Arguments selecting a dataset by config file or by files."""
    parser.add_argument(
        'config', nargs='?', help='config file (its dataloaders\' datasets)')
    parser.add_argument(
        '--dataset',
        choices=['voc', 'coco', 'custom'],
        help='without a config: standard VOC-LT/COCO-LT file names, or '
        'custom (then --ann-file and --label-file are required)')
    parser.add_argument(
        '--data-root', default='', help='root of files and images')
    parser.add_argument(
        '--split',
        nargs='+',
        default=None,
        help='splits to use with --dataset voc|coco (train, test)')
    parser.add_argument(
        '--ann-file', help='split list (relative to --data-root unless '
        'absolute); with --dataset custom it is the train list')
    parser.add_argument('--label-file', help='class-name file')
    parser.add_argument('--img-prefix', default='', help='image folder '
                        'relative to --data-root')
    parser.add_argument('--head-thr', type=int, default=None)
    parser.add_argument('--tail-thr', type=int, default=None)


def unwrap_lt_dataset(dataset) -> LTMultiLabelDataset:
    """The :class:`LTMultiLabelDataset` inside dataset wrappers."""
    seen = dataset
    while not isinstance(seen, LTMultiLabelDataset):
        inner = getattr(seen, 'dataset', None)
        if inner is None:
            raise TypeError(
                f'{type(dataset).__name__} is not (and does not wrap) an '
                'LTMultiLabelDataset')
        seen = inner
    return seen


def _thr_kwargs(args: argparse.Namespace) -> dict:
    out = {}
    if args.head_thr is not None:
        out['head_thr'] = args.head_thr
    if args.tail_thr is not None:
        out['tail_thr'] = args.tail_thr
    return out


def datasets_from_config(config: str,
                         keys: Sequence[str] = _DATALOADERS,
                         overrides: Optional[dict] = None
                         ) -> Dict[str, LTMultiLabelDataset]:
    """Datasets of the config's dataloaders (``keys`` present in it).

    Returns:
        ``{dataloader key: dataset}``.
    """
    import lmpt_mm  # noqa: F401  registers the datasets
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmpretrain.registry import DATASETS

    cfg = Config.fromfile(config)
    init_default_scope(cfg.get('default_scope', 'mmpretrain'))
    out = {}
    for key in keys:
        loader = cfg.get(key)
        if not loader or 'dataset' not in loader:
            continue
        ds_cfg = loader['dataset'].copy()
        _strip_pipelines(ds_cfg)
        for k, v in (overrides or {}).items():
            _set_inner(ds_cfg, k, v)
        out[key] = unwrap_lt_dataset(DATASETS.build(ds_cfg))
    if not out:
        raise ValueError(f'{config}: no dataloader with a dataset among {keys}')
    return out


def _strip_pipelines(ds_cfg: dict) -> None:
    """Empty pipelines and lazy init (no transform is built, no image read)."""
    if 'dataset' in ds_cfg:  # wrapper (RepeatDataset, ...)
        _strip_pipelines(ds_cfg['dataset'])
    else:
        ds_cfg['pipeline'] = []
        ds_cfg['lazy_init'] = True


def _set_inner(ds_cfg: dict, key: str, value) -> None:
    if 'dataset' in ds_cfg:
        _set_inner(ds_cfg['dataset'], key, value)
    else:
        ds_cfg[key] = value


def datasets_from_args(args: argparse.Namespace
                       ) -> Dict[str, LTMultiLabelDataset]:
    """Datasets from ``--dataset`` and file arguments, or from ``config``.

    Returns:
        ``{name: dataset}`` (dataloader keys for a config, split names else).
    """
    if args.config:
        return datasets_from_config(args.config, overrides=_thr_kwargs(args))
    if not args.dataset:
        raise ValueError('give a config file or --dataset voc|coco|custom')
    common = dict(
        data_root=args.data_root,
        img_prefix=args.img_prefix,
        lazy_init=True,
        **_thr_kwargs(args))
    if args.dataset == 'custom':
        if not args.ann_file or not args.label_file:
            raise ValueError('--dataset custom needs --ann-file and --label-file')
        return {
            'custom':
            LTMultiLabelDataset(
                ann_file=args.ann_file, label_file=args.label_file, **common)
        }
    cls = _PRESETS[args.dataset]
    splits: List[str] = args.split or ['train']
    out = {}
    for split in splits:
        kwargs = dict(common, split=split)
        if args.label_file:
            kwargs['label_file'] = args.label_file
        if args.ann_file:
            if len(splits) > 1:
                raise ValueError('--ann-file needs a single --split')
            kwargs['ann_file'] = args.ann_file
        out[split] = cls(**kwargs)
    return out
