"""LTML's logit-compensated BCE (Guo and Wang, CVPR 2021, Eq. 2)."""
import pytest
import torch
import torch.nn.functional as F

from lmpt_mm.models.losses import LogitCompensatedBCELoss, logit_compensated_bce

K = 5


def batch(seed=0):
    g = torch.Generator().manual_seed(seed)
    z = torch.randn(4, K, generator=g) * 3
    y = (torch.rand(4, K, generator=g) < 0.4).float()
    return z, y


def test_identity_compensation_is_plain_bce():
    z, y = batch()
    loss = LogitCompensatedBCELoss(K)
    torch.testing.assert_close(loss(z, y), F.binary_cross_entropy_with_logits(z, y))


def test_equation_two_term_by_term():
    z, y = batch(1)
    g = torch.Generator().manual_seed(2)
    sp, sn = 0.5 + torch.rand(K, generator=g), 0.5 + torch.rand(K, generator=g)
    mp, mn = torch.randn(K, generator=g), torch.randn(K, generator=g)
    w = torch.rand(K, generator=g)
    # -1/K sum_k w_k [y log s(u sp + mp) + (1 - y) log(1 - s(u sn + mn))], batch mean
    terms = (y * torch.log(torch.sigmoid(z * sp + mp))
             + (1 - y) * torch.log(1 - torch.sigmoid(z * sn + mn)))
    oracle = -(terms * w).sum(dim=1).div(K).mean()
    torch.testing.assert_close(logit_compensated_bce(z, y, sp, mp, sn, mn, w), oracle)
    module = LogitCompensatedBCELoss(K, class_weight=w.tolist(), loss_weight=2.0)
    with torch.no_grad():
        for p, v in zip((module.sigma_pos, module.mu_pos, module.sigma_neg, module.mu_neg),
                        (sp, mp, sn, mn)):
            p.copy_(v)
    torch.testing.assert_close(module(z, y), 2 * oracle)


def test_compensation_is_learned():
    z, y = batch(3)
    module = LogitCompensatedBCELoss(K)
    module(z, y).backward()
    for name, p in module.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, name
    assert sorted(n for n, _ in module.named_parameters()) == [
        'mu_neg', 'mu_pos', 'sigma_neg', 'sigma_pos']
    assert 'class_weight' not in module.state_dict()


def test_bad_input_is_refused():
    z, y = batch()
    with pytest.raises(ValueError, match='differ in shape'):
        logit_compensated_bce(z, y[:, :3], *[torch.ones(K)] * 4)
    with pytest.raises(ValueError, match='avg_factor'):
        LogitCompensatedBCELoss(K)(z, y, avg_factor=3)
    with pytest.raises(ValueError, match='2 entries for 5 classes'):
        LogitCompensatedBCELoss(K, class_weight=[1.0, 2.0])
    with pytest.raises(ValueError, match='num_classes'):
        LogitCompensatedBCELoss(0)
