"""ClassSpecificEmbeddingLoss against plain-loop references written from the
equations of LMPT (Xia et al., 2024)."""
import math

import pytest
import torch
from mmpretrain.registry import MODELS

import lmpt_mm  # noqa: F401  (registers the losses)
from lmpt_mm.models.losses import (ClassSpecificEmbeddingLoss,
                                   class_specific_embedding_loss,
                                   feature_distance, token_distance)
from lmpt_mm.utils import logging as lmpt_logging

CLASS_FREQ = [40, 9, 1, 16]
TARGETS = [[1, 0, 0, 1], [0, 1, 1, 0], [0, 0, 0, 0]]
DISTANCE = [[0.10, 0.05, 0.30, 0.02], [0.50, 0.20, 0.01, 0.08],
            [0.12, 0.90, 0.19, 0.00]]


def gen(seed):
    return torch.Generator().manual_seed(seed)


def oracle_pairs(distance, targets, n, margin, gamma):
    """Weighted per-pair loss w_i l[k, i], plain python."""
    nc = [max(v, 1) for v in n]
    raw = [(1.0 / v)**gamma for v in nc]
    w = [r / sum(raw) for r in raw]
    out = []
    for k, row in enumerate(targets):
        out_row = []
        for i, y in enumerate(row):
            d = distance[k][i]
            margin_i = margin / nc[i]**0.25
            pair = d if y == 1 else max(0.0, margin_i - d)
            out_row.append(w[i] * pair)
        out.append(out_row)
    return out


def cos(a, b):
    dot = sum(x * y for x, y in zip(a, b))
    return dot / (math.sqrt(sum(x * x for x in a)) *
                  math.sqrt(sum(y * y for y in b)))


# ----------------------------------------------------------------------------
# Loss values
# ----------------------------------------------------------------------------
@pytest.mark.parametrize('margin,gamma', [(0.2, 0.2), (0.5, 1.0), (0.3, 0.0)])
def test_values_and_reductions_match_oracle(margin, gamma):
    d = torch.tensor(DISTANCE, dtype=torch.float64)
    y = torch.tensor(TARGETS)
    pairs = oracle_pairs(DISTANCE, TARGETS, CLASS_FREQ, margin, gamma)
    total = sum(sum(r) for r in pairs)
    torch.testing.assert_close(
        class_specific_embedding_loss(d, y, CLASS_FREQ, margin, gamma,
                                      reduction='none'),
        torch.tensor(pairs, dtype=torch.float64))
    # 'mean' = (1/B) sum_k sum_i w_i l[k, i]
    assert class_specific_embedding_loss(
        d, y, CLASS_FREQ, margin, gamma).item() == pytest.approx(
            total / 3, rel=1e-12)
    assert class_specific_embedding_loss(
        d, y, CLASS_FREQ, margin, gamma, reduction='sum').item() == \
        pytest.approx(total, rel=1e-12)
    assert class_specific_embedding_loss(
        d, y, CLASS_FREQ, margin, gamma, avg_factor=2).item() == \
        pytest.approx(total / 2, rel=1e-12)
    with pytest.raises(ValueError, match='avg_factor'):
        class_specific_embedding_loss(d, y, CLASS_FREQ, reduction='sum',
                                      avg_factor=2)


def test_per_sample_weight_and_shape_errors():
    d = torch.tensor(DISTANCE, dtype=torch.float64)
    y = torch.tensor(TARGETS)
    pairs = torch.tensor(oracle_pairs(DISTANCE, TARGETS, CLASS_FREQ, 0.2, 0.2),
                         dtype=torch.float64)
    sw = torch.tensor([2.0, 0.0, 1.0], dtype=torch.float64)
    torch.testing.assert_close(
        class_specific_embedding_loss(d, y, CLASS_FREQ, weight=sw),
        (pairs * sw[:, None]).sum() / 3)
    with pytest.raises(ValueError, match='3 classes but the distances'):
        class_specific_embedding_loss(d, y, CLASS_FREQ[:3])
    with pytest.raises(ValueError, match=r'\[B, C\]'):
        class_specific_embedding_loss(d, y[:, :2], CLASS_FREQ)
    with pytest.raises(ValueError, match='missing class_freq'):
        class_specific_embedding_loss(d, y, None)


def test_module_feature_mode_matches_loop_reference():
    caption = torch.randn(3, 6, generator=gen(0), dtype=torch.float64) * 3
    prompt = torch.randn(4, 6, generator=gen(1), dtype=torch.float64) * 0.5
    loss_fn = MODELS.build(
        dict(
            type='ClassSpecificEmbeddingLoss',
            class_freq=CLASS_FREQ,
            margin=0.2,
            gamma=0.2,
            mode='feature',
            loss_weight=0.5))
    dist = [[1 - cos(caption[k].tolist(), prompt[i].tolist())
             for i in range(4)] for k in range(3)]
    torch.testing.assert_close(
        feature_distance(caption, prompt), torch.tensor(dist,
                                                        dtype=torch.float64))
    # a margin large enough that some absent pairs are inside it
    loss_fn.margin = 1.5
    expected = sum(
        sum(r) for r in oracle_pairs(dist, TARGETS, CLASS_FREQ, 1.5, 0.2)) / 3
    got = loss_fn(caption, prompt, torch.tensor(TARGETS))
    assert got.item() == pytest.approx(0.5 * expected, rel=1e-12)
    assert got.item() > 0


# ----------------------------------------------------------------------------
# Token mode: einsum path vs a plain loop, forward and backward
# ----------------------------------------------------------------------------
def loop_token_distance(cap, prm, m_ctx):
    num_b, length, _ = cap.shape
    num_c = prm.shape[0]
    num_pos = length - m_ctx
    rows = []
    for k in range(num_b):
        row = []
        for i in range(num_c):
            acc = 0.0
            for t in range(num_pos):
                c = torch.dot(cap[k, t], prm[i, t + m_ctx]) / (
                    cap[k, t].norm() * prm[i, t + m_ctx].norm())
                acc = acc + (1 - c)
            row.append(acc / num_pos)
        rows.append(torch.stack(row))
    return torch.stack(rows)


def test_token_distance_equals_loop_forward_and_backward():
    cap = torch.randn(3, 7, 5, generator=gen(2), dtype=torch.float64)
    prm = torch.randn(4, 7, 5, generator=gen(3), dtype=torch.float64)
    fast_c, fast_p = cap.clone().requires_grad_(), prm.clone().requires_grad_()
    ref_c, ref_p = cap.clone().requires_grad_(), prm.clone().requires_grad_()
    fast = token_distance(fast_c, fast_p, m_ctx=2)
    ref = loop_token_distance(ref_c, ref_p, 2)
    torch.testing.assert_close(fast, ref)
    y = torch.tensor(TARGETS)
    class_specific_embedding_loss(fast, y, CLASS_FREQ, margin=1.0).backward()
    class_specific_embedding_loss(ref, y, CLASS_FREQ, margin=1.0).backward()
    torch.testing.assert_close(fast_c.grad, ref_c.grad)
    torch.testing.assert_close(fast_p.grad, ref_p.grad)
    assert fast_p.grad.abs().sum() > 0


def test_module_token_mode():
    cap = torch.randn(3, 6, 5, generator=gen(4))
    prm = torch.randn(4, 6, 5, generator=gen(5), requires_grad=True)
    loss_fn = ClassSpecificEmbeddingLoss(CLASS_FREQ, mode='token', margin=1.0)
    y = torch.tensor(TARGETS)
    got = loss_fn(cap, prm, y)
    expected = class_specific_embedding_loss(
        loop_token_distance(cap, prm, 2), y, CLASS_FREQ, margin=1.0)
    torch.testing.assert_close(got, expected)
    got.backward()
    assert prm.grad[:, 2:].abs().sum() > 0
    # the first m_ctx prompt positions are not compared
    assert torch.equal(prm.grad[:, :2], torch.zeros_like(prm.grad[:, :2]))
    with pytest.raises(ValueError, match='token_distance|caption_tokens'):
        loss_fn(cap[:, :, :4], prm, y)


# ----------------------------------------------------------------------------
# Gradient direction: the intended hinge, not the public code's sign
# ----------------------------------------------------------------------------
def one_step_distance(caption, prompt, targets, class_freq, margin=0.2):
    """Distance before/after one small SGD step on the prompts; grad."""
    prompt = prompt.clone().requires_grad_(True)
    loss_fn = ClassSpecificEmbeddingLoss(class_freq, margin=margin)
    loss = loss_fn(caption, prompt, targets)
    loss.backward()
    with torch.no_grad():
        before = feature_distance(caption, prompt)
        after = feature_distance(caption, prompt - 0.05 * prompt.grad)
    return loss, prompt.grad, before, after


def test_present_class_prompt_moves_toward_caption():
    caption = torch.tensor([[1.0, 0.0, 0.0]])
    prompt = torch.tensor([[0.6, 0.8, 0.0]])
    loss, grad, before, after = one_step_distance(caption, prompt,
                                                  torch.tensor([[1]]), [5])
    assert loss > 0 and grad.abs().sum() > 0
    assert after[0, 0] < before[0, 0]


def test_absent_class_inside_margin_moves_away():
    caption = torch.tensor([[1.0, 0.0, 0.0]])
    prompt = torch.tensor([[0.95, math.sqrt(1 - 0.95**2), 0.0]])  # d = 0.05
    # M = 0.2 / 1 ** 0.25 = 0.2 > d
    loss, grad, before, after = one_step_distance(caption, prompt,
                                                  torch.tensor([[0]]), [1])
    assert before[0, 0] < 0.2
    assert loss > 0 and grad.abs().sum() > 0
    assert after[0, 0] > before[0, 0]


def test_absent_class_outside_margin_zero_loss_and_grad():
    caption = torch.tensor([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    prompt = torch.tensor([[0.6, 0.8, 0.0]])  # d = 0.4 and 1.0
    loss, grad, before, after = one_step_distance(
        caption, prompt, torch.tensor([[0], [0]]), [1])
    assert (before > 0.2).all()
    assert loss.item() == 0.0
    assert torch.equal(grad, torch.zeros_like(grad))


def test_rare_class_gets_larger_margin_and_weight():
    d = torch.full((1, 2), 0.0, dtype=torch.float64)
    pairs = class_specific_embedding_loss(
        d, torch.zeros(1, 2), [1, 81], margin=0.2, gamma=0.5,
        reduction='none')
    # M = (0.2, 0.2/3), w = (1, 1/9)/(10/9)
    torch.testing.assert_close(
        pairs,
        torch.tensor([[0.9 * 0.2, 0.1 * 0.2 / 3]], dtype=torch.float64))


# ----------------------------------------------------------------------------
# Robustness and statistics
# ----------------------------------------------------------------------------
def test_zero_count_class_clamped_with_one_warning(monkeypatch):
    logged = []
    monkeypatch.setattr(lmpt_logging, "_warned", set())
    monkeypatch.setattr(lmpt_logging, "print_log",
                        lambda msg, **kw: logged.append(msg))
    caption = torch.randn(3, 6, generator=gen(6))
    loss_fn = ClassSpecificEmbeddingLoss([0, 9, 0, 16], margin=1.0)
    for _ in range(2):
        prompt = torch.randn(4, 6, generator=gen(7), requires_grad=True)
        loss = loss_fn(caption, prompt, torch.tensor(TARGETS))
        loss.backward()
        assert torch.isfinite(loss) and torch.isfinite(prompt.grad).all()
    assert len(logged) == 1 and '[0, 2]' in logged[0]
    expected = class_specific_embedding_loss(
        feature_distance(caption, prompt), torch.tensor(TARGETS),
        [1, 9, 1, 16], margin=1.0)
    torch.testing.assert_close(loss, expected)


def test_inputs_not_modified_in_place():
    caption = torch.randn(3, 6, generator=gen(8))
    prompt = torch.randn(4, 6, generator=gen(9))
    targets = torch.tensor(TARGETS, dtype=torch.float32)
    copies = [t.clone() for t in (caption, prompt, targets)]
    ClassSpecificEmbeddingLoss(CLASS_FREQ)(caption, prompt, targets)
    d = feature_distance(caption, prompt)
    d_copy = d.clone()
    class_specific_embedding_loss(d, targets, CLASS_FREQ, reduction='none')
    for t, c in zip((caption, prompt, targets, d), copies + [d_copy]):
        assert torch.equal(t, c)


def test_stats_injection_and_errors():
    loss_fn = ClassSpecificEmbeddingLoss()
    caption, prompt = torch.randn(3, 6), torch.randn(4, 6)
    y = torch.tensor(TARGETS)
    with pytest.raises(ValueError, match='missing class_freq.*set_class_stats'):
        loss_fn(caption, prompt, y)
    loss_fn.set_class_stats(CLASS_FREQ, [10, 41, 49, 34])
    assert torch.isfinite(loss_fn(caption, prompt, y))
    with pytest.raises(ValueError, match='number of train images'):
        loss_fn.set_class_stats(CLASS_FREQ, [1, 2, 3, 4])
    with pytest.raises(ValueError, match='mode'):
        ClassSpecificEmbeddingLoss(CLASS_FREQ, mode='tokens')
    with pytest.raises(ValueError, match='caption_feats'):
        loss_fn(caption, prompt[:, :5], y)


def naive_token_distance(cap: torch.Tensor, prm: torch.Tensor, m_ctx: int = 2):
    """Oracle: the ``B x C x T x D`` broadcast that the token mode avoids."""
    num = min(cap.shape[1], prm.shape[1] - m_ctx)
    c = cap[:, None, :num]  # [B, 1, T, D]
    p = prm[None, :, m_ctx:m_ctx + num]  # [1, C, T, D]
    return (1 - torch.nn.functional.cosine_similarity(c, p, dim=-1)).mean(-1)


def test_token_distance_matches_the_naive_broadcast_forward_and_backward():
    cap = torch.randn(3, 9, 16, generator=gen(1), dtype=torch.float64)
    prm = torch.randn(4, 9, 16, generator=gen(2), dtype=torch.float64, requires_grad=True)
    prm2 = prm.detach().clone().requires_grad_(True)
    ref, out = naive_token_distance(cap, prm), token_distance(cap, prm2)
    assert out.shape == (3, 4)
    torch.testing.assert_close(out, ref)
    weights = torch.randn(3, 4, generator=gen(3), dtype=torch.float64)
    (ref * weights).sum().backward()
    (out * weights).sum().backward()
    torch.testing.assert_close(prm2.grad, prm.grad)
