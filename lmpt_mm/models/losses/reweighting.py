r"""Per-class weights and logit biases of the DB loss family, from train statistics.

Pure functions of the class counts (and, for :func:`rebalance_weight`, the batch's
targets); no gradient flows through them. Wu et al., "Distribution-Balanced Loss for
Multi-Label Classification in Long-Tailed Datasets" (ECCV 2020), Sec. 3.1-3.2; the
class-balanced term of Cui et al. (CVPR 2019); DB*'s positive-logit scale of Huang et
al. (HP-DVAL).
"""
import torch

from lmpt_mm.datasets.class_stats import (StatsLike, as_count_tensor, check_class_stats,
                                          clamp_counts)


def inverse_freq_weight(class_freq: StatsLike,
                        power: float = 1.0) -> torch.Tensor:
    r"""Inverse-frequency class weights, normalised to mean 1 over classes.

    :math:`w_i = C \, n_i^{-p} / \sum_j n_j^{-p}` (``'inv'``: p = 1,
    ``'sqrt_inv'``: p = 1/2). ``n_i = 0`` is clamped to 1 (warned once).

    Returns:
        float64 tensor ``[C]`` (sums to C).
    """
    freq = clamp_counts(as_count_tensor(class_freq, 'class_freq'), 1.0,
                        why=' for inverse-frequency weights')
    inv = freq.pow(-power)
    return inv * (inv.numel() / inv.sum())


def class_balanced_weight(class_freq: StatsLike,
                          beta: float = 0.9) -> torch.Tensor:
    r"""Class-balanced weights (Cui et al., CVPR 2019), normalised to mean 1.

    :math:`w_i \propto (1 - \beta) / (1 - \beta^{n_i})`, scaled so that
    :math:`\sum_i w_i = C`. ``n_i = 0`` is clamped to 1 (warned once).

    Returns:
        float64 tensor ``[C]``.
    """
    if not 0.0 <= beta < 1.0:
        raise ValueError(f'cb_beta must be in [0, 1), got {beta}')
    freq = clamp_counts(as_count_tensor(class_freq, 'class_freq'), 1.0,
                        why=' for class-balanced weights')
    weight = (1.0 - beta) / (1.0 - torch.pow(torch.tensor(
        beta, dtype=torch.float64), freq))
    return weight * (weight.numel() / weight.sum())


def rebalance_weight(targets: torch.Tensor,
                     class_freq: StatsLike,
                     alpha: float = 0.1,
                     beta: float = 10.0,
                     mu: float = 0.2) -> torch.Tensor:
    r"""DB re-balanced weights ``[B, C]`` (spec step 1).

    .. math::
        \mathrm{repeat}_k = \sum_{j \in P_k} 1/n_j, \quad
        r_{ki} = \frac{1/n_i}{\mathrm{repeat}_k}, \quad
        w_{ki} = \alpha + \sigma(\beta (r_{ki} - \mu)).

    A sample without positive label (``repeat_k = 0``) takes the limit
    ``r -> inf``, i.e. ``w = alpha + 1``; a safe denominator inside
    ``torch.where`` keeps inf/NaN out of the values and of any gradient.
    ``n_i = 0`` is clamped to 1 (warned once).

    Args:
        targets: ``[B, C]`` in {0, 1} (float).
        class_freq: ``[C]`` train counts ``n_i``.
        alpha, beta, mu: ``map_param`` ``alpha``, ``beta``, ``gamma``.
    """
    freq = clamp_counts(as_count_tensor(class_freq, 'class_freq'), 1.0,
                        why=' for re-balanced weights')
    freq_inv = (1.0 / freq).to(targets.device, targets.dtype)  # [C]
    repeat = (targets * freq_inv).sum(dim=1, keepdim=True)  # [B, 1]
    has_pos = repeat > 0
    safe_repeat = torch.where(has_pos, repeat, torch.ones_like(repeat))
    ratio = freq_inv / safe_repeat  # [B, C]
    weight = alpha + torch.sigmoid(beta * (ratio - mu))
    return torch.where(has_pos, weight, torch.full_like(weight, alpha + 1.0))


def ntr_bias(class_freq: StatsLike, neg_class_freq: StatsLike,
             init_bias: float, neg_scale: float) -> torch.Tensor:
    r"""NTR class bias :math:`b_i = -\kappa \log(N / n_i - 1) / \lambda`.

    ``N = n_i + neg_i`` (train images). ``n_i`` is clamped into
    ``[1, N - 1]`` so that ``b`` stays finite (warned once).

    Returns:
        float64 tensor ``[C]``.
    """
    pos, neg = check_class_stats(class_freq, neg_class_freq)
    num_images = pos + neg  # [C], all equal to N
    if num_images[0] < 2:
        raise ValueError('the NTR bias needs at least 2 train images, got '
                         f'N = {num_images[0].item():g}')
    pos = clamp_counts(pos, 1.0, num_images - 1, why=' for the NTR bias')
    return -init_bias * torch.log(num_images / pos - 1.0) / neg_scale


def db_star_scale(class_freq: StatsLike) -> torch.Tensor:
    r"""DB* positive-logit scale :math:`w_i = (n_i/n) / \max_j (n_j/n)`.

    ``n`` cancels: ``w_i = n_i / max_j n_j`` in ``(0, 1]``; ``n_i = 0`` is
    clamped to 1 (warned once) so that no class gets a zero scale.

    Returns:
        float64 tensor ``[C]``.
    """
    freq = clamp_counts(as_count_tensor(class_freq, 'class_freq'), 1.0,
                        why=' for the DB* scale')
    return freq / freq.max()
