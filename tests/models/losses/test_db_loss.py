"""DistributionBalancedLoss against a plain-python oracle written from the spec
equations (Wu et al., ECCV 2020; DB* of Huang et al., HP-DVAL)."""
import json
import math
import pickle

import pytest
import torch
import torch.nn.functional as F
from mmpretrain.models.losses import FocalLoss
from mmpretrain.registry import MODELS

import lmpt_mm  # noqa: F401  (registers the losses)
from lmpt_mm.models.losses import (DistributionBalancedLoss,
                                   distribution_balanced_loss,
                                   rebalance_weight)
from lmpt_mm.utils import logging as lmpt_logging

# 4 train images per class in total (N = 20); class 1 is rare, class 3 head.
CLASS_FREQ = [6, 1, 10, 15]
NEG_FREQ = [14, 19, 10, 5]
TARGETS = [[1, 0, 0, 1], [0, 1, 1, 0], [0, 0, 0, 0], [1, 1, 1, 1],
           [0, 0, 1, 0]]
LOGITS = [[0.3, -1.2, 0.8, 2.0], [-0.5, 0.1, 1.5, -2.2], [1.1, -0.3, 0.0, 0.7],
          [-1.4, 2.3, -0.6, 0.2], [0.9, -0.8, -1.7, 1.3]]


# ----------------------------------------------------------------------------
# Oracle: the spec, one element at a time, in plain python floats
# ----------------------------------------------------------------------------
def sigmoid(x):
    return 1.0 / (1.0 + math.exp(-x))


def oracle_weights(targets, n, reweight, alpha, beta, mu, cb_beta):
    num_classes = len(n)
    nc = [max(v, 1) for v in n]  # zero counts clamped to 1
    if reweight in ('inv', 'sqrt_inv', 'CB'):
        if reweight == 'inv':
            raw = [1.0 / v for v in nc]
        elif reweight == 'sqrt_inv':
            raw = [1.0 / math.sqrt(v) for v in nc]
        else:
            raw = [(1 - cb_beta) / (1 - cb_beta**v) for v in nc]
        total = sum(raw)
        per_class = [r * num_classes / total for r in raw]  # mean 1
        return [[per_class[i] for i in range(num_classes)] for _ in targets]
    weights = []
    for row in targets:
        if reweight is None:
            weights.append([1.0] * num_classes)
            continue
        repeat = 0.0
        for j in range(num_classes):
            if row[j] == 1:
                repeat += 1.0 / nc[j]
        w_row = []
        for i in range(num_classes):
            if repeat == 0:  # no positive label: r -> inf
                w_row.append(alpha + 1.0)
            else:
                r = (1.0 / nc[i]) / repeat
                w_row.append(alpha + sigmoid(beta * (r - mu)))
        weights.append(w_row)
    return weights


def oracle_db(logits,
              targets,
              n,
              neg,
              reweight='rebalance',
              focal=(2.0, 2),
              map_param=(0.1, 10.0, 0.2),
              reg=(0.05, 2.0),
              cb_beta=0.9,
              variant='db'):
    """Element-wise loss [B][C] (before reduction)."""
    alpha, beta, mu = map_param
    weights = oracle_weights(targets, n, reweight, alpha, beta, mu, cb_beta)
    num_images = n[0] + neg[0]
    max_n = max(max(v, 1) for v in n)
    out = []
    for k, row in enumerate(targets):
        out_row = []
        for i, y in enumerate(row):
            z = logits[k][i]
            w = weights[k][i]
            if reg is not None:
                kappa, lam = reg
                n_i = min(max(n[i], 1), num_images - 1)
                bias = -kappa * math.log(num_images / n_i - 1) / lam
                z = z + bias
                if y == 0:
                    z = lam * z
                    w = w / lam
            if y == 1 and variant == 'db_star':
                z = (max(n[i], 1) / max_n) * z
            bce = math.log(1 + math.exp(-z)) if y == 1 else \
                math.log(1 + math.exp(z))
            if focal is not None:
                balance, gamma = focal
                p_t = math.exp(-bce)
                out_row.append(balance * (1 - p_t)**gamma * w * bce)
            else:
                out_row.append(w * bce)
        out.append(out_row)
    return out


def mean(rows):
    return sum(sum(r) for r in rows) / (len(rows) * len(rows[0]))


def cfg_kwargs(reweight, focal, reg, variant='db'):
    return dict(
        reweight_func=reweight,
        focal=dict(focal=False) if focal is None else dict(
            focal=True, balance_param=focal[0], gamma=focal[1]),
        map_param=dict(alpha=0.1, beta=10.0, gamma=0.2),
        logit_reg=dict() if reg is None else dict(
            init_bias=reg[0], neg_scale=reg[1]),
        variant=variant)


def tensors(dtype=torch.float64):
    return (torch.tensor(LOGITS, dtype=dtype, requires_grad=True),
            torch.tensor(TARGETS, dtype=torch.long))


# ----------------------------------------------------------------------------
# Values
# ----------------------------------------------------------------------------
@pytest.mark.parametrize('reweight', [None, 'inv', 'sqrt_inv', 'rebalance',
                                      'CB'])
@pytest.mark.parametrize('focal', [None, (2.0, 2), (1.0, 1.5)])
@pytest.mark.parametrize('reg', [None, (0.05, 2.0), (0.1, 5.0)])
def test_values_match_oracle(reweight, focal, reg):
    logits, targets = tensors()
    kwargs = cfg_kwargs(reweight, focal, reg)
    expected = oracle_db(LOGITS, TARGETS, CLASS_FREQ, NEG_FREQ, reweight,
                         focal, reg=reg)
    none = distribution_balanced_loss(
        logits, targets, CLASS_FREQ, NEG_FREQ, reduction='none', **kwargs)
    torch.testing.assert_close(none, torch.tensor(expected,
                                                  dtype=torch.float64))
    loss = distribution_balanced_loss(logits, targets, CLASS_FREQ, NEG_FREQ,
                                      **kwargs)
    assert loss.item() == pytest.approx(mean(expected), rel=1e-10)


def test_default_db_focal_module_and_reductions():
    logits, targets = tensors()
    loss_fn = DistributionBalancedLoss(CLASS_FREQ, NEG_FREQ, loss_weight=0.7)
    expected = oracle_db(LOGITS, TARGETS, CLASS_FREQ, NEG_FREQ)
    total = sum(sum(r) for r in expected)
    assert loss_fn(logits, targets).item() == pytest.approx(
        0.7 * mean(expected), rel=1e-10)
    assert loss_fn(logits, targets, reduction_override='sum').item() == \
        pytest.approx(0.7 * total, rel=1e-10)
    torch.testing.assert_close(
        loss_fn(logits, targets, reduction_override='none'),
        0.7 * torch.tensor(expected, dtype=torch.float64))
    # avg_factor: sum / avg_factor (MMPretrain's convention)
    assert loss_fn(logits, targets, avg_factor=5).item() == pytest.approx(
        0.7 * total / 5, rel=1e-10)
    with pytest.raises(ValueError, match='avg_factor'):
        loss_fn(logits, targets, avg_factor=5, reduction_override='sum')
    with pytest.raises(ValueError, match='reduction_override'):
        loss_fn(logits, targets, reduction_override='avg')


def test_weight_elementwise_and_per_sample():
    logits, targets = tensors()
    expected = torch.tensor(
        oracle_db(LOGITS, TARGETS, CLASS_FREQ, NEG_FREQ), dtype=torch.float64)
    elem = torch.rand(5, 4, dtype=torch.float64, generator=torch.Generator()
                      .manual_seed(0))
    sample = torch.tensor([1.0, 0.0, 2.0, 0.5, 1.0], dtype=torch.float64)
    loss_fn = DistributionBalancedLoss(CLASS_FREQ, NEG_FREQ)
    torch.testing.assert_close(
        loss_fn(logits, targets, weight=elem), (expected * elem).mean())
    torch.testing.assert_close(
        loss_fn(logits, targets, weight=sample),
        (expected * sample[:, None]).mean())
    with pytest.raises(ValueError, match='weight'):
        loss_fn(logits, targets, weight=torch.ones(4, 5))


def test_build_from_registry_with_issue_config():
    loss_fn = MODELS.build(
        dict(
            type='DistributionBalancedLoss',
            class_freq=CLASS_FREQ,
            neg_class_freq=NEG_FREQ,
            reweight_func='rebalance',
            focal=dict(focal=True, balance_param=2.0, gamma=2),
            map_param=dict(alpha=0.1, beta=10.0, gamma=0.2),
            logit_reg=dict(init_bias=0.05, neg_scale=2.0),
            loss_weight=1.0,
            reduction='mean'))
    logits, targets = tensors(torch.float32)
    loss = loss_fn(logits, targets)
    assert loss.dtype == torch.float32 and loss.dim() == 0
    assert loss.item() == pytest.approx(
        mean(oracle_db(LOGITS, TARGETS, CLASS_FREQ, NEG_FREQ)), rel=1e-5)


# ----------------------------------------------------------------------------
# Special cases equal to the standard losses
# ----------------------------------------------------------------------------
@pytest.mark.parametrize('reduction', ['mean', 'sum', 'none'])
def test_bce_special_case(reduction):
    logits, targets = tensors()
    ours = distribution_balanced_loss(
        logits,
        targets,
        reweight_func=None,
        focal=dict(focal=False),
        logit_reg=dict(),
        reduction=reduction)  # needs no statistics at all
    ref_logits = logits.detach().clone().requires_grad_(True)
    ref = F.binary_cross_entropy_with_logits(
        ref_logits, targets.double(), reduction=reduction)
    torch.testing.assert_close(ours, ref)
    ours.sum().backward()
    ref.sum().backward()
    torch.testing.assert_close(logits.grad, ref_logits.grad)


@pytest.mark.parametrize('gamma', [2.0, 1.5, 0.0])
@pytest.mark.parametrize('reduction', ['mean', 'sum', 'none'])
def test_focal_special_case_equals_mmpretrain_focal(gamma, reduction):
    """MMPretrain's sigmoid focal loss is ``alpha_t (1 - p_t)^g bce`` with
    ``alpha_t = alpha`` on positives and ``1 - alpha`` on negatives; ours
    (no re-weighting, no NTR) is ``balance_param (1 - p_t)^g bce``. They
    coincide only for the symmetric ``alpha = 0.5``, where
    ``ours = (balance_param / 0.5) * theirs``, i.e. FocalLoss(alpha=0.5,
    loss_weight=2 * balance_param)."""
    balance_param = 2.0
    logits, targets = tensors()
    sample_weight = torch.tensor([1.0, 0.5, 2.0, 0.0, 1.0],
                                 dtype=torch.float64)
    ours = DistributionBalancedLoss(
        reweight_func=None,
        focal=dict(focal=True, balance_param=balance_param, gamma=gamma),
        logit_reg=dict(),
        reduction=reduction)(logits, targets, weight=sample_weight)
    ref_logits = logits.detach().clone().requires_grad_(True)
    ref = FocalLoss(
        gamma=gamma,
        alpha=0.5,
        loss_weight=2 * balance_param,
        reduction=reduction)(ref_logits, targets, weight=sample_weight)
    torch.testing.assert_close(ours, ref)
    ours.sum().backward()
    ref.sum().backward()
    torch.testing.assert_close(logits.grad, ref_logits.grad)


def test_db_star_equals_db_for_equal_counts_and_matches_oracle():
    logits, targets = tensors()
    equal = [5, 5, 5, 5]
    neg = [15, 15, 15, 15]
    for reg in (None, (0.05, 2.0)):
        kwargs = cfg_kwargs('rebalance', (2.0, 2), reg)
        db = distribution_balanced_loss(logits, targets, equal, neg, **kwargs)
        kwargs['variant'] = 'db_star'
        star = distribution_balanced_loss(logits, targets, equal, neg,
                                          **kwargs)
        torch.testing.assert_close(db, star)
    for reg in (None, (0.05, 2.0)):
        for focal in (None, (2.0, 2)):
            expected = oracle_db(LOGITS, TARGETS, CLASS_FREQ, NEG_FREQ,
                                 'rebalance', focal, reg=reg,
                                 variant='db_star')
            got = DistributionBalancedLoss(
                CLASS_FREQ, NEG_FREQ, reduction='none',
                **cfg_kwargs('rebalance', focal, reg, 'db_star'))(logits,
                                                                  targets)
            torch.testing.assert_close(
                got, torch.tensor(expected, dtype=torch.float64))


def test_db_star_positive_term_is_scaled_softplus():
    """DB* positive term log(1 + exp(-w_i (s_i - nu_i))) with nu_i = -b_i."""
    n, neg = [2, 8], [8, 2]
    kappa, lam = 0.05, 2.0
    logits = torch.tensor([[0.4, -0.7]], dtype=torch.float64)
    targets = torch.tensor([[1, 1]])
    got = distribution_balanced_loss(
        logits, targets, n, neg, reweight_func=None, focal=None,
        logit_reg=dict(init_bias=kappa, neg_scale=lam), variant='db_star',
        reduction='none')
    for i in range(2):
        nu = kappa * math.log(10 / n[i] - 1) / lam
        w = (n[i] / 10) / max(v / 10 for v in n)
        s = logits[0, i].item()
        assert got[0, i].item() == pytest.approx(
            math.log(1 + math.exp(-w * (s - nu))), rel=1e-12)


# ----------------------------------------------------------------------------
# Robustness
# ----------------------------------------------------------------------------
def test_no_positive_sample_weight_is_alpha_plus_one_with_finite_grads():
    targets = torch.tensor([[0.0, 0.0, 0.0], [1.0, 0.0, 1.0]],
                           dtype=torch.float64, requires_grad=True)
    w = rebalance_weight(targets, [3, 4, 5], alpha=0.1, beta=10.0, mu=0.2)
    torch.testing.assert_close(w[0], torch.full((3, ), 1.1,
                                                dtype=torch.float64))
    w.sum().backward()
    assert torch.isfinite(w).all() and torch.isfinite(targets.grad).all()

    logits = torch.zeros(2, 4, requires_grad=True)
    all_neg = torch.zeros(2, 4)
    loss = DistributionBalancedLoss(CLASS_FREQ, NEG_FREQ)(logits, all_neg)
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(logits.grad).all()


@pytest.mark.parametrize('variant', ['db', 'db_star'])
@pytest.mark.parametrize('reweight', ['rebalance', 'inv', 'sqrt_inv', 'CB'])
def test_zero_count_and_full_count_classes_stay_finite(variant, reweight,
                                                       monkeypatch):
    logged = []
    monkeypatch.setattr(lmpt_logging, "_warned", set())
    monkeypatch.setattr(lmpt_logging, "print_log",
                        lambda msg, **kw: logged.append(msg))
    n, neg = [0, 20, 7, 3], [20, 0, 13, 17]  # n_0 = 0, n_1 = N
    loss_fn = DistributionBalancedLoss(
        n, neg, reweight_func=reweight, variant=variant)
    for _ in range(2):
        logits, targets = tensors(torch.float32)
        loss = loss_fn(logits * 10, targets)
        loss.backward()
        assert torch.isfinite(loss)
        assert torch.isfinite(logits.grad).all()
        assert logits.grad.abs().sum() > 0
    # each distinct clamp is reported once, naming the classes
    assert len(logged) == len(set(logged)) >= 2
    assert any('[0, 1]' in msg and 'NTR' in msg for msg in logged)


def test_inputs_not_modified_in_place():
    logits, targets = tensors(torch.float32)
    logits = logits.detach()
    targets_f = targets.float()
    logits_copy, targets_copy = logits.clone(), targets_f.clone()
    class_freq = list(CLASS_FREQ)
    loss_fn = DistributionBalancedLoss(class_freq, NEG_FREQ, variant='db_star')
    for t in (targets, targets_f):
        loss_fn(logits, t, reduction_override='none')
    assert torch.equal(logits, logits_copy)
    assert torch.equal(targets_f, targets_copy)
    assert class_freq == CLASS_FREQ


# ----------------------------------------------------------------------------
# Statistics: config, file, injection, errors
# ----------------------------------------------------------------------------
def test_missing_stats_error_names_them_and_the_ways_to_give_them():
    logits, targets = tensors()
    loss_fn = DistributionBalancedLoss()  # default DB-Focal needs both
    with pytest.raises(ValueError) as err:
        loss_fn(logits, targets)
    msg = str(err.value)
    for word in ('class_freq and neg_class_freq', 'stats_file',
                 'set_class_stats', 'config'):
        assert word in msg
    # re-balancing alone needs class_freq only
    only_pos = DistributionBalancedLoss(logit_reg=dict())
    with pytest.raises(ValueError, match='missing class_freq for'):
        only_pos(logits, targets)
    only_pos.set_class_stats(CLASS_FREQ)
    assert torch.isfinite(only_pos(logits, targets))

    loss_fn.set_class_stats(CLASS_FREQ, NEG_FREQ)
    assert loss_fn(logits, targets).item() == pytest.approx(
        mean(oracle_db(LOGITS, TARGETS, CLASS_FREQ, NEG_FREQ)), rel=1e-10)


@pytest.mark.parametrize('fmt', ['json', 'pkl'])
def test_stats_file(tmp_path, fmt):
    path = tmp_path / f'stats.{fmt}'
    data = dict(class_freq=CLASS_FREQ, neg_class_freq=NEG_FREQ, other=1)
    if fmt == 'json':
        path.write_text(json.dumps(data))
    else:
        path.write_bytes(pickle.dumps(data))
    logits, targets = tensors()
    from_file = DistributionBalancedLoss(stats_file=str(path))
    from_cfg = DistributionBalancedLoss(CLASS_FREQ, NEG_FREQ)
    torch.testing.assert_close(
        from_file(logits, targets), from_cfg(logits, targets))
    with pytest.raises(ValueError, match='not both'):
        DistributionBalancedLoss(CLASS_FREQ, stats_file=str(path))


def test_stats_file_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match='missing.pkl'):
        DistributionBalancedLoss(stats_file=str(tmp_path / 'missing.pkl'))
    bad = tmp_path / 'bad.json'
    bad.write_text(json.dumps(dict(freq=[1, 2])))
    with pytest.raises(ValueError, match="bad.json.*'class_freq'"):
        DistributionBalancedLoss(stats_file=str(bad))
    txt = tmp_path / 'stats.txt'
    txt.write_text('1 2 3')
    with pytest.raises(ValueError, match='extension'):
        DistributionBalancedLoss(stats_file=str(txt))


def test_bad_statistics_and_options_raise():
    logits, targets = tensors()
    with pytest.raises(ValueError, match='number of train images'):
        DistributionBalancedLoss([1, 2], [5, 5])
    with pytest.raises(ValueError, match='non-negative'):
        DistributionBalancedLoss([1, -2], [5, 8])
    with pytest.raises(ValueError, match='2 classes but the logits have 4'):
        DistributionBalancedLoss([1, 2], [5, 4])(logits, targets)
    with pytest.raises(ValueError, match='reweight_func'):
        DistributionBalancedLoss(reweight_func='balanced')
    with pytest.raises(ValueError, match='unknown keys'):
        DistributionBalancedLoss(focal=dict(focal=True, alpha=0.25))
    with pytest.raises(ValueError, match='variant'):
        DistributionBalancedLoss(variant='db*')
    with pytest.raises(ValueError, match='cb_beta'):
        DistributionBalancedLoss(reweight_func='CB', cb_beta=1.0)
    with pytest.raises(ValueError, match=r'\[B, C\]'):
        DistributionBalancedLoss(CLASS_FREQ, NEG_FREQ)(logits, targets[:, :3])


def test_paper_stats_pickle_cross_check(db_stats_root):
    path = db_stats_root / 'VOCdevkit_longtail2012_class_freq.pkl'
    loss_fn = DistributionBalancedLoss(
        stats_file=str(path),
        map_param=dict(alpha=0.1, beta=10.0, gamma=0.3),
        logit_reg=dict(init_bias=0.05, neg_scale=5.0))
    assert loss_fn.class_freq.numel() == 20
    logits = torch.randn(4, 20, generator=torch.Generator().manual_seed(0),
                         requires_grad=True)
    targets = (torch.rand(4, 20, generator=torch.Generator().manual_seed(1))
               < 0.2).float()
    loss = loss_fn(logits, targets)
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(logits.grad).all()


def test_options_are_one_frozen_object_shared_by_module_and_function():
    """The module parses its options once into ``DBLossOptions``; the function parses
    the same config form into an equal object; copies (EMA, pickling) keep them."""
    import copy
    import dataclasses

    from lmpt_mm.models.losses import DBLossOptions
    cfg = dict(reweight_func='rebalance', focal=dict(focal=True, gamma=2),
               logit_reg=dict(init_bias=0.05, neg_scale=2.0), variant='db_star')
    loss = DistributionBalancedLoss(class_freq=[5, 2, 1], neg_class_freq=[3, 6, 7], **cfg)
    assert loss.options == DBLossOptions.parse(**cfg)
    assert loss.options.focal['balance_param'] == 2.0  # default filled in
    with pytest.raises(dataclasses.FrozenInstanceError):
        loss.options.variant = 'db'
    with pytest.raises(TypeError):
        loss.options.logit_reg['neg_scale'] = 1.0
    logits = torch.randn(4, 3, generator=torch.Generator().manual_seed(0))
    labels = torch.tensor([[1, 0, 0], [0, 1, 1], [1, 1, 0], [0, 0, 1]])
    expected = distribution_balanced_loss(logits, labels, [5, 2, 1], [3, 6, 7], **cfg)
    for module in (loss, copy.deepcopy(loss), pickle.loads(pickle.dumps(loss))):
        assert module.options == loss.options
        torch.testing.assert_close(module(logits, labels), expected)
