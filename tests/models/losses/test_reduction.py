"""The loss-scale conventions (``weighted_reduce``) as the DB and CSE losses expose them.

Oracles are written here from the definitions: mean over ``B*C``, ``sum / B``,
the sum; the DB ``pt_mode='batch_mean'`` oracle follows the LMPT code's ``dbl.py``
(its BCE helper reduces to the batch mean before the focal factor).
"""
import pytest
import torch
import torch.nn.functional as F

from lmpt_mm.models.losses import (ClassSpecificEmbeddingLoss, DistributionBalancedLoss,
                                   class_specific_embedding_loss)
from lmpt_mm.models.losses.reduction import weighted_reduce

B, C = 4, 3
POS = [30.0, 6.0, 2.0]
NEG = [70.0, 94.0, 98.0]


def _batch():
    g = torch.Generator().manual_seed(0)
    logits = torch.randn(B, C, generator=g, dtype=torch.float64) * 2
    targets = (torch.rand(B, C, generator=g) > 0.5).double()
    return logits, targets


def test_weighted_reduce_conventions():
    loss = torch.arange(1.0, 1.0 + B * C).reshape(B, C)
    assert weighted_reduce(loss).item() == pytest.approx(loss.sum().item() / (B * C))
    assert weighted_reduce(loss, avg_factor='batch').item() == pytest.approx(
        loss.sum().item() / B)
    assert weighted_reduce(loss, avg_factor=5).item() == pytest.approx(
        loss.sum().item() / 5)
    assert weighted_reduce(loss, reduction='sum').item() == loss.sum().item()
    w = torch.tensor([1.0, 0.0, 2.0, 1.0])
    assert torch.equal(weighted_reduce(loss, w, 'none'), loss * w[:, None])
    with pytest.raises(ValueError, match='avg_factor can not'):
        weighted_reduce(loss, reduction='sum', avg_factor='batch')
    with pytest.raises(ValueError, match="'batch' or a number"):
        weighted_reduce(loss, avg_factor='rows')
    with pytest.raises(ValueError, match="'none', 'mean' or 'sum'"):
        weighted_reduce(loss, reduction='avg')
    with pytest.raises(ValueError, match=r'weight must be \[B, C\]'):
        weighted_reduce(loss, torch.ones(C))


@pytest.mark.parametrize('reduction,avg_factor,factor', [
    ('mean', None, 1.0), ('mean', 'batch', C), ('sum', None, B * C)])
def test_db_module_scale_is_selectable(reduction, avg_factor, factor):
    logits, targets = _batch()
    mean = DistributionBalancedLoss(POS, NEG)(logits, targets)
    loss = DistributionBalancedLoss(POS, NEG, reduction=reduction,
                                    avg_factor=avg_factor)(logits, targets)
    assert loss.item() == pytest.approx(factor * mean.item(), rel=1e-12)
    # an avg_factor passed at call time (MMPretrain's heads) wins
    if reduction == 'mean':
        called = DistributionBalancedLoss(POS, NEG, avg_factor=avg_factor)(
            logits, targets, avg_factor=2)
        assert called.item() == pytest.approx(mean.item() * B * C / 2, rel=1e-12)


def test_db_batch_mean_pt_matches_lmpt_code_maths():
    """Oracle: the LMPT code's ResampleLoss with its mean-reducing BCE helper."""
    logits, targets = _batch()
    pos, neg = torch.tensor(POS, dtype=torch.float64), torch.tensor(NEG, dtype=torch.float64)
    alpha, beta, mu, kappa, lam = 0.1, 10.0, 0.3, 0.05, 5.0
    freq_inv = 1 / pos
    w = torch.sigmoid(beta * (freq_inv / (targets * freq_inv).sum(1, keepdim=True) - mu)) \
        + alpha
    z = logits + (-torch.log((pos + neg) / pos - 1) * kappa / lam)
    z = z * (1 - targets) * lam + z * targets
    w = w / lam * (1 - targets) + w * targets
    pt = torch.exp(-F.binary_cross_entropy_with_logits(z, targets))  # one scalar
    expected = 2.0 * (1 - pt) ** 2 * F.binary_cross_entropy_with_logits(z, targets, w)
    loss = DistributionBalancedLoss(
        POS, NEG, focal=dict(focal=True, balance_param=2.0, gamma=2, pt_mode='batch_mean'),
        map_param=dict(alpha=alpha, beta=beta, gamma=mu),
        logit_reg=dict(init_bias=kappa, neg_scale=lam))(logits, targets)
    assert loss.item() == pytest.approx(expected.item(), rel=1e-12)
    with pytest.raises(ValueError, match='pt_mode'):
        DistributionBalancedLoss(POS, NEG, focal=dict(focal=True, pt_mode='sample'))


def test_cse_default_is_per_sample_and_mean_is_over_pairs():
    g = torch.Generator().manual_seed(1)
    d = torch.rand(B, C, generator=g, dtype=torch.float64) * 2
    y = (torch.rand(B, C, generator=g) > 0.5).double()
    pairs = class_specific_embedding_loss(d, y, POS, reduction='none')
    assert class_specific_embedding_loss(d, y, POS).item() == pytest.approx(
        pairs.sum().item() / B)
    assert class_specific_embedding_loss(d, y, POS, avg_factor=None).item() == \
        pytest.approx(pairs.mean().item())
    assert class_specific_embedding_loss(d, y, POS, reduction='sum').item() == \
        pytest.approx(pairs.sum().item())
    feats = torch.randn(B, 8, generator=g, dtype=torch.float64)
    prompts = torch.randn(C, 8, generator=g, dtype=torch.float64)
    per_pair = ClassSpecificEmbeddingLoss(POS, avg_factor=None)(feats, prompts, y)
    per_sample = ClassSpecificEmbeddingLoss(POS)(feats, prompts, y)
    assert per_sample.item() == pytest.approx(C * per_pair.item(), rel=1e-12)
