"""Dual-view fusion: a hand-computed case, a plain-loop reference and the edge cases."""
import pytest
import torch

from lmpt_mm.models.heads import dual_view_scores, topk_mean


def loop_reference(global_sim, local_sim, alpha, k):
    """s[b, c] = alpha * g[b, c] + (1 - alpha) * mean of the k largest l[b, c, :]."""
    out = torch.empty_like(global_sim)
    for b in range(global_sim.shape[0]):
        for c in range(global_sim.shape[1]):
            values = sorted(local_sim[b, c].tolist(), reverse=True)[:k]
            out[b, c] = alpha * global_sim[b, c] + (1 - alpha) * sum(values) / len(values)
    return out


def test_hand_computed_case():
    global_sim = torch.tensor([[0.5, -0.2]])  # [B=1, C=2]
    local_sim = torch.tensor([[[0.9, 0.1, 0.3, -0.5],    # class 0: top-2 = 0.9, 0.3
                               [0.0, 0.2, -0.1, 0.4]]])  # class 1: top-2 = 0.4, 0.2
    scores = dual_view_scores(global_sim, local_sim, alpha=0.4, k=2)
    expected = torch.tensor([[0.4 * 0.5 + 0.6 * (0.9 + 0.3) / 2,
                              0.4 * -0.2 + 0.6 * (0.4 + 0.2) / 2]])
    assert torch.allclose(scores, expected, atol=1e-6)


@pytest.mark.parametrize('alpha,k', [(0.4, 3), (0.0, 1), (0.7, 5)])
def test_matches_loop_reference(alpha, k):
    gen = torch.Generator().manual_seed(0)
    global_sim = torch.rand(3, 4, generator=gen) * 2 - 1
    local_sim = torch.rand(3, 4, 5, generator=gen) * 2 - 1
    assert torch.allclose(dual_view_scores(global_sim, local_sim, alpha, k),
                          loop_reference(global_sim, local_sim, alpha, k), atol=1e-6)


def test_k_above_token_count_is_the_plain_mean():
    local_sim = torch.rand(2, 3, 4)
    assert torch.allclose(topk_mean(local_sim, 32), local_sim.mean(dim=-1))
    global_sim = torch.rand(2, 3)
    assert torch.allclose(dual_view_scores(global_sim, local_sim, 0.4, 32),
                          loop_reference(global_sim, local_sim, 0.4, 4), atol=1e-6)


def test_global_view_only_needs_no_local_tokens():
    global_sim = torch.rand(2, 3)
    assert torch.equal(dual_view_scores(global_sim, None, alpha=1.0), global_sim)


def test_gradient_reaches_only_the_top_k_tokens():
    local_sim = torch.tensor([[[0.9, 0.1, 0.3, -0.5]]], requires_grad=True)
    dual_view_scores(torch.zeros(1, 1), local_sim, alpha=0.4, k=2).sum().backward()
    assert torch.allclose(local_sim.grad, torch.tensor([[[0.3, 0.0, 0.3, 0.0]]]))


@pytest.mark.parametrize('kwargs,match', [
    (dict(alpha=1.2), 'alpha'),
    (dict(alpha=-0.1), 'alpha'),
    (dict(k=0), 'k >= 1'),
    (dict(local=None), 'local view'),
    (dict(local=torch.rand(2, 4, 5)), r'\[B, C, N\]'),
])
def test_bad_arguments_raise(kwargs, match):
    local = kwargs.pop('local', torch.rand(2, 3, 5))
    with pytest.raises(ValueError, match=match):
        dual_view_scores(torch.rand(2, 3), local, **{'alpha': 0.4, 'k': 2, **kwargs})
