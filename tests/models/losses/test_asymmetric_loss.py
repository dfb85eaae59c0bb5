"""DetachableAsymmetricLoss: MMPretrain's AsymmetricLoss plus a detachable focal weight."""
import pytest
import torch
from mmpretrain.models.losses import AsymmetricLoss

from lmpt_mm.models.losses import DetachableAsymmetricLoss

ARGS = dict(gamma_pos=1.0, gamma_neg=2.0, clip=0.05, eps=1e-6)


def logits_and_targets():
    gen = torch.Generator().manual_seed(0)
    z = (torch.randn(4, 6, generator=gen) * 3).requires_grad_(True)
    y = (torch.rand(4, 6, generator=gen) < 0.4).float()
    return z, y


@pytest.mark.parametrize('reduction', ['mean', 'sum', 'none'])
def test_undetached_equals_mmpretrain(reduction):
    z, y = logits_and_targets()
    ours = DetachableAsymmetricLoss(reduction=reduction, loss_weight=0.5, **ARGS)(z, y)
    ref = AsymmetricLoss(reduction=reduction, loss_weight=0.5, **ARGS)(z, y)
    assert torch.allclose(ours, ref, rtol=1e-6, atol=1e-7)
    g_ours, = torch.autograd.grad(ours.sum(), z)
    g_ref, = torch.autograd.grad(ref.sum(), z)
    assert torch.allclose(g_ours, g_ref, rtol=1e-5, atol=1e-7)


def test_detached_focal_weight_same_value_other_gradient():
    """The value is ASL's; the gradient is the log-term's times the constant weight."""
    z, y = logits_and_targets()
    loss = DetachableAsymmetricLoss(reduction='sum', detach_focal_weight=True, **ARGS)
    value = loss(z, y)
    g, = torch.autograd.grad(value, z)
    ref = AsymmetricLoss(reduction='sum', **ARGS)(z, y)
    assert torch.allclose(value, ref, rtol=1e-6)
    p = torch.sigmoid(z.detach())
    p_neg = (1 - p + 0.05).clamp(max=1)
    weight = torch.where(y > 0, (1 - p) ** 1.0, (1 - p_neg) ** 2.0)
    # d/dz of -log p = -(1 - p); of -log(1 - p + m) = p (1 - p) / (1 - p + m) below the cap
    d_log = torch.where(y > 0, -(1 - p), torch.where(1 - p + 0.05 < 1,
                                                     p * (1 - p) / p_neg, torch.zeros_like(p)))
    assert torch.allclose(g, weight * d_log, rtol=1e-5, atol=1e-7)
    g_ref, = torch.autograd.grad(AsymmetricLoss(reduction='sum', **ARGS)(z, y), z)
    assert not torch.allclose(g, g_ref, rtol=1e-2)


def test_bad_options_name_the_value():
    with pytest.raises(ValueError, match="'avg'"):
        DetachableAsymmetricLoss(reduction='avg')
    with pytest.raises(TypeError, match='detach_focal_weight'):
        DetachableAsymmetricLoss(detach_focal_weight='yes')
    z, y = logits_and_targets()
    with pytest.raises(ValueError, match='same shape'):
        DetachableAsymmetricLoss()(z, y[:, :3])
