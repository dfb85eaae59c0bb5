from types import SimpleNamespace

import torch
from mmpretrain.registry import MODELS

import lmpt_mm  # noqa: F401
from lmpt_mm.engine import ClassStatsHook

META = dict(class_freq=[5, 2, 1], neg_class_freq=[3, 6, 7])


def fake_runner(model, meta=META):
    dataset = SimpleNamespace(metainfo=meta)
    return SimpleNamespace(model=model, train_dataloader=SimpleNamespace(dataset=dataset))


def test_linear_head_gets_stats_through_its_loss():
    head = MODELS.build(dict(type='MultiLabelLinearClsHead', num_classes=3, in_channels=4,
                             loss=dict(type='DistributionBalancedLoss')))
    model = SimpleNamespace(head=head)
    logits, target = torch.zeros(2, 3), torch.tensor([[1., 0, 0], [0, 0, 1]])
    ClassStatsHook().before_train(fake_runner(model))
    # Without statistics the DB loss refuses to run; with them it is finite.
    assert torch.isfinite(head.loss_module(logits, target))
    expected = MODELS.build(dict(type='DistributionBalancedLoss', **META))(logits, target)
    assert torch.equal(head.loss_module(logits, target), expected)


def test_head_method_takes_precedence_and_missing_meta_is_skipped():
    calls = []
    head = SimpleNamespace(set_class_stats=lambda f, n: calls.append((f, n)))
    ClassStatsHook().before_train(fake_runner(SimpleNamespace(head=head)))
    assert calls == [(META['class_freq'], META['neg_class_freq'])]
    ClassStatsHook().before_train(fake_runner(SimpleNamespace(head=head), meta={}))
    assert len(calls) == 1
    # A model with nothing to receive statistics is left alone.
    ClassStatsHook().before_train(fake_runner(SimpleNamespace(head=object())))
