"""FreezeModulesHook: named submodules frozen (and kept in eval mode), the rest trainable."""
from types import SimpleNamespace

import pytest
import torch
from torch import nn

from lmpt_mm.engine.hooks import FreezeModulesHook


class Toy(nn.Module):

    def __init__(self):
        super().__init__()
        self.backbone = nn.Linear(3, 4)
        self.head = nn.Sequential(nn.Linear(4, 2), nn.Dropout(0.5))


def test_freezes_head_and_reports_trainable():
    model = Toy()
    runner = SimpleNamespace(model=model)
    hook = FreezeModulesHook(modules=['head'])
    hook.before_train(runner)
    assert not any(p.requires_grad for p in model.head.parameters())
    assert all(p.requires_grad for p in model.backbone.parameters())
    assert hook.trainable == {'backbone': 3 * 4 + 4}
    model.train()  # what the train loop does before every epoch
    hook.before_train_iter(runner, 0)
    assert not model.head.training and model.backbone.training
    model.head(model.backbone(torch.ones(1, 3))).sum().backward()
    assert model.head[0].weight.grad is None and model.backbone.weight.grad is not None


def test_unknown_module_is_named():
    with pytest.raises(ValueError, match=r"no submodule 'head.prompt'.*Sequential lacks "
                       r"'prompt'"):
        FreezeModulesHook(modules='head.prompt').before_train(SimpleNamespace(model=Toy()))
