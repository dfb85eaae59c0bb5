"""The L1 feature loss of L_kd / L_sc: mean absolute difference over all elements."""
import pytest
import torch
import torch.nn.functional as F

from lmpt_mm.models.losses import feature_l1_loss


def test_mean_over_elements_and_reductions():
    gen = torch.Generator().manual_seed(0)
    pred, target = torch.randn(3, 5, generator=gen), torch.randn(3, 5, generator=gen)
    diff = [abs(p - t) for p, t in zip(pred.flatten().tolist(), target.flatten().tolist())]
    assert feature_l1_loss(pred, target).item() == pytest.approx(sum(diff) / 15, rel=1e-6)
    assert feature_l1_loss(pred, target, reduction='sum').item() == pytest.approx(
        sum(diff), rel=1e-6)
    assert feature_l1_loss(pred, target, reduction='none').shape == (3, 5)


def test_normalize_compares_unit_vectors():
    pred, target = torch.randn(2, 4), torch.randn(2, 4)
    assert torch.allclose(feature_l1_loss(pred * 7, target * 3, normalize=True),
                          (F.normalize(pred, dim=-1) - F.normalize(target, dim=-1))
                          .abs().mean())


def test_target_gets_no_gradient():
    pred = torch.randn(2, 4, requires_grad=True)
    target = torch.randn(2, 4, requires_grad=True)
    feature_l1_loss(pred, target).backward()
    assert pred.grad is not None and target.grad is None


def test_shape_mismatch_names_the_shapes():
    with pytest.raises(ValueError, match=r'\(2, 4\) vs \(2, 3\)'):
        feature_l1_loss(torch.zeros(2, 4), torch.zeros(2, 3))
