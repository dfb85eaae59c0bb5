"""Check that the val/test images exist before training starts."""
from __future__ import annotations

from typing import List, Tuple

from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmpretrain.registry import DATASETS, HOOKS

from lmpt_mm.datasets.image_check import image_load_problem


def missing_images(dataset) -> Tuple[List[Tuple[str, str]], int]:
    """``([(path, problem), ...], number of images)`` of a dataset's image list
    (existence and size only: no image is opened)."""
    dataset.full_init()
    bad, total = [], len(dataset)
    for idx in range(total):
        path = dataset.get_data_info(idx).get('img_path')
        problem = image_load_problem(path) if path else ''
        if problem:
            bad.append((path, problem))
    return bad, total


@HOOKS.register_module()
class EvalImagesCheckHook(Hook):
    """Before the first training step, check that every val/test image is there.

    Without it a missing val/test image is found at the first validation (or by
    ``tools/test.py``), after all of training. Only existence and a non-zero size
    are checked (fast); ``tools/prepare_data.py --check CONFIG`` decodes every
    image. Declared in ``configs/_base_/default_runtime.py``.

    Args:
        max_listed: how many of the missing paths the error lists.
    """

    priority = 'VERY_HIGH'

    def __init__(self, max_listed: int = 5) -> None:
        self.max_listed = max_listed

    def before_train(self, runner) -> None:
        checked = set()
        for split in ('val', 'test'):
            dataset = self._dataset(runner, split)
            if dataset is None:
                continue
            key = (getattr(dataset, 'ann_file', None), getattr(dataset, 'data_root', None))
            if key in checked:
                continue
            checked.add(key)
            bad, total = missing_images(dataset)
            if bad:
                listed = '; '.join(f'{p} ({why})' for p, why in bad[:self.max_listed])
                raise FileNotFoundError(
                    f'{len(bad)} of {total} {split} images listed in '
                    f'{getattr(dataset, "ann_file", "?")} cannot be read (first: '
                    f'{listed}). Fix data_root or the list before training; '
                    'tools/prepare_data.py --check CONFIG checks every split.')
            print_log(f'EvalImagesCheckHook: all {total} {split} images exist.',
                      logger='current')

    @staticmethod
    def _dataset(runner, split: str):
        if split == 'val':
            loop = getattr(runner, '_val_loop', None)
            loader = getattr(loop, 'dataloader', None)
            if loader is not None:
                return loader.dataset
        cfg = runner.cfg.get(f'{split}_dataloader')
        if not cfg or not cfg.get('dataset'):
            return None
        dataset_cfg = dict(cfg['dataset'])
        dataset_cfg['lazy_init'] = True  # text files only
        return DATASETS.build(dataset_cfg)
