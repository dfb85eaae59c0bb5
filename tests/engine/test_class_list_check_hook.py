"""The head's classes must be the dataset's, names and order (ClassListCheckHook)."""
import importlib.util
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch

from lmpt_mm.engine.hooks.class_list_check_hook import (ClassListCheckHook,
                                                        ClassListMismatchError)

REPO = Path(__file__).resolve().parents[2]
LABELS = ('dog', 'cat', 'car', 'tree')


def runner_with(head, classes=LABELS):
    dataset = SimpleNamespace(metainfo=dict(classes=classes), label_file='w/labels.txt')
    loader = SimpleNamespace(dataset=dataset)
    model = torch.nn.Module()
    model.head = head
    return SimpleNamespace(model=model, train_dataloader=loader, val_dataloader=loader,
                           test_dataloader=loader, _val_loop=None)


def test_same_classes_pass_and_reordered_names_are_refused():
    hook = ClassListCheckHook()
    named = torch.nn.Module()
    named.classes = list(LABELS)
    hook.before_train(runner_with(named))
    named.classes = ['cat', 'dog', 'car', 'tree']
    with pytest.raises(ClassListMismatchError) as err:
        hook.before_train(runner_with(named))
    assert str(err.value).startswith(
        'model.head.classes does not match the classes of the train dataset '
        "(w/labels.txt): the same names in another order (#0: head 'cat' vs dataset "
        "'dog'; #1: head 'dog' vs dataset 'cat').")
    named.classes = list(LABELS[:3])
    with pytest.raises(ClassListMismatchError, match=r'of the val dataset .*3 classes '
                       r'against 4 \(the shorter list is a prefix\)'):
        hook.before_val(runner_with(named))


def test_heads_without_names_are_checked_by_count():
    linear = torch.nn.Module()
    linear.num_classes = 4
    ClassListCheckHook().before_test(runner_with(linear))
    linear.num_classes = 5
    with pytest.raises(ClassListMismatchError, match=r'model.head.num_classes=5 but the '
                       r'test dataset \(w/labels.txt\) has 4 classes'):
        ClassListCheckHook().before_test(runner_with(linear))


def test_test_tool_refuses_a_head_in_another_class_order(tiny_lt_world, tmp_path):
    assert (tiny_lt_world / 'labels.txt').read_text().split()[::2] == list(LABELS)
    spec = importlib.util.spec_from_file_location('_test_tool', REPO / 'tools' / 'test.py')
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    argv = [str(REPO / 'tests' / 'fixtures' / 'tiny_lmpt_lt.py'), 'none', '--work-dir',
            str(tmp_path), '--cfg-options', "model.head.classes=['cat','dog','car','tree']"
            ] + [f'{loader}.dataset.data_root={tiny_lt_world}'
                 for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader')]
    with pytest.raises(ClassListMismatchError, match=r'classes of the test dataset \('
                       f'{tiny_lt_world / "labels.txt"}' r'\): the same names in another'):
        tool.main(argv)
    assert not (tmp_path / 'metrics.json').exists()
