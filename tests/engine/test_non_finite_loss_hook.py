"""NonFiniteLossHook on hand-made iteration outputs."""
from types import SimpleNamespace

import pytest
import torch

from lmpt_mm.engine.feature_cache.cache import CacheResult
from lmpt_mm.engine.hooks import FeatureCacheHook, NonFiniteLossHook


def runner_with_cache(tmp_path, views):
    path = tmp_path / 'abc.pt'
    path.write_bytes(b'cache')
    cache_hook = FeatureCacheHook()
    cache_hook.result = CacheResult(SimpleNamespace(views=views), path=str(path))
    return SimpleNamespace(iter=6, epoch=1, hooks=[cache_hook]), path


def test_finite_losses_pass():
    hook = NonFiniteLossHook()
    runner = SimpleNamespace(iter=0, epoch=0, hooks=[])
    hook.after_train_iter(runner, 0, outputs=dict(loss=torch.tensor(0.5), loss_db=0.2,
                                                  accuracy=float('nan')))


def test_cache_with_non_finite_features_is_deleted(tmp_path):
    views = [(torch.tensor([[1.0, float('inf')]]), )]
    runner, path = runner_with_cache(tmp_path, views)
    with pytest.raises(FloatingPointError) as info:
        NonFiniteLossHook().after_train_iter(
            runner, 2, outputs=dict(loss=torch.tensor(float('inf')),
                                    loss_db=torch.tensor(float('inf')), loss_cse=0.1))
    assert str(info.value).startswith(
        'non-finite loss at iteration 7 (epoch 2, batch 3): loss_db=inf (total loss=inf)')
    assert (f'cached image features from {path}, which hold non-finite values: the '
            'file was deleted and the next run rebuilds it') in str(info.value)
    assert not path.exists()
