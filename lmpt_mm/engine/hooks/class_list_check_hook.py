"""Refuse a head whose class list is not the dataset's (names and order)."""
from __future__ import annotations

from typing import Optional, Sequence

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmpretrain.registry import HOOKS


class ClassListMismatchError(ValueError):
    """The head's classes are not the dataset's classes in label order."""


def class_list_problem(head_classes: Sequence[str], dataset_classes: Sequence[str],
                       limit: int = 3) -> Optional[str]:
    """How two class lists differ (count, then the first differing positions), or None."""
    head, data = [str(c) for c in head_classes], [str(c) for c in dataset_classes]
    if head == data:
        return None
    if sorted(head) == sorted(data):
        kind = 'the same names in another order'
    elif len(head) != len(data):
        kind = f'{len(head)} classes against {len(data)}'
    else:
        kind = 'other names'
    diffs = [f'#{i}: head {h!r} vs dataset {d!r}'
             for i, (h, d) in enumerate(zip(head, data)) if h != d][:limit]
    return f"{kind} ({'; '.join(diffs) or 'the shorter list is a prefix'})"


def dataset_source(dataset) -> str:
    return str(getattr(dataset, 'label_file', None) or getattr(dataset, 'ann_file', None)
               or type(dataset).__name__)


def check_head_classes(model, dataset, split: str) -> None:
    """Raise :class:`ClassListMismatchError` unless ``model.head`` predicts the
    dataset's classes: ``head.classes`` equal to ``dataset.metainfo['classes']``
    (names and order; the CLIP heads), or, for heads without names, ``num_classes``
    equal to their number. Heads or datasets without either are not checked."""
    head = getattr(model, 'head', None)
    classes = (getattr(dataset, 'metainfo', None) or {}).get('classes')
    if head is None or not classes:
        return
    source = dataset_source(dataset)
    names = getattr(head, 'classes', None)
    if names is not None and not isinstance(names, str):
        problem = class_list_problem(names, classes)
        if problem:
            raise ClassListMismatchError(
                f'model.head.classes does not match the classes of the {split} dataset '
                f'({source}): {problem}. The head scores class k with the prompt of '
                f'its k-th name against label id k of the data, so every mismatched '
                'class would be trained and tested against another class\'s labels. '
                f'Set model.head.classes to the dataset\'s class names in label order '
                f'(the order of {source}).')
        return
    count = getattr(head, 'num_classes', None)
    if isinstance(count, int) and count != len(classes):
        raise ClassListMismatchError(
            f'model.head.num_classes={count} but the {split} dataset ({source}) has '
            f'{len(classes)} classes; set model.head.num_classes={len(classes)} (and '
            'the data preprocessor\'s num_classes).')


@HOOKS.register_module()
class ClassListCheckHook(Hook):
    """Before training, validation and testing, check the head against the data.

    A head built with ``classes`` in another order than the dataset's label file (or
    other names) trains and tests without any error: prompts for one class are scored
    against another class's labels. This hook raises
    :class:`ClassListMismatchError` naming the split, its label file and the first
    differing positions: before the first training step for the train and val data,
    before testing for the test data. ``tools/train.py`` and ``tools/test.py`` add it
    to every run.
    """

    priority = 'VERY_HIGH'  # before ClassStatsHook hands the head per-class counts

    def before_train(self, runner) -> None:
        self._check(runner, runner.train_dataloader.dataset, 'train')
        loop = getattr(runner, '_val_loop', None)
        loader = getattr(loop, 'dataloader', None)  # built by now when validating
        if loader is not None:
            self._check(runner, loader.dataset, 'val')

    def before_val(self, runner) -> None:
        self._check(runner, runner.val_dataloader.dataset, 'val')

    def before_test(self, runner) -> None:
        self._check(runner, runner.test_dataloader.dataset, 'test')

    @staticmethod
    def _check(runner, dataset, split: str) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        check_head_classes(model, dataset, split)
