r"""Distribution-Balanced (DB) loss family (Wu et al., ECCV 2020) and DB*.

One loss, configured into the usual long-tailed multi-label baselines
(``reweight_func``, ``focal``, ``logit_reg``; Wu et al., ECCV 2020, Sec. 3):

=============  ==============  ===============================  =============
baseline       reweight_func   focal                            logit_reg
=============  ==============  ===============================  =============
BCE            None            ``dict(focal=False)``            ``dict()``
Focal          None            ``dict(focal=True, ...)``        ``dict()``
CB-Focal       ``'CB'``        ``dict(focal=True, ...)``        ``dict()``
DB-Focal       ``'rebalance'`` ``dict(focal=True, ...)``        NTR settings
=============  ==============  ===============================  =============

The maths lives in small pure functions; :class:`DistributionBalancedLoss` is
the registered wrapper holding the train statistics.
"""
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal, Mapping, Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmpretrain.registry import MODELS

from lmpt_mm.datasets.class_stats import (STATS_HELP, StatsLike, check_class_stats,
                                          choose_class_stats, resolve_class_stats)
from .reduction import (AvgFactor, Reduction, check_avg_factor, check_reduction,
                        weighted_reduce)
from .reweighting import (class_balanced_weight, db_star_scale, inverse_freq_weight,
                          ntr_bias, rebalance_weight)

ReweightFunc = Optional[Literal['inv', 'sqrt_inv', 'rebalance', 'CB']]
Variant = Literal['db', 'db_star']

REWEIGHT_FUNCS = (None, 'inv', 'sqrt_inv', 'rebalance', 'CB')
# Defaults: DB-Focal with the COCO-LT settings of the paper.
DEFAULT_FOCAL = MappingProxyType(
    dict(focal=True, balance_param=2.0, gamma=2, pt_mode='element'))
# How p_t of the focal factor is formed: per element (DB paper), or once per batch
# from the mean unweighted BCE (the LMPT code's `dbl.py`, whose element-wise BCE
# helper reduces to the batch mean before the focal factor is applied).
PT_MODES = ('element', 'batch_mean')
DEFAULT_MAP_PARAM = MappingProxyType(dict(alpha=0.1, beta=10.0, gamma=0.2))
DEFAULT_LOGIT_REG = MappingProxyType(dict(init_bias=0.05, neg_scale=2.0))


# ----------------------------------------------------------------------------
# Option parsing
# ----------------------------------------------------------------------------
def _options(mapping: Optional[Mapping], name: str, defaults: Mapping,
             off_when_empty: bool) -> Optional[dict]:
    if mapping is None or (off_when_empty and len(mapping) == 0):
        return None
    unknown = set(mapping) - set(defaults)
    if unknown:
        raise ValueError(f'{name} has unknown keys {sorted(unknown)}; allowed: '
                         f'{sorted(defaults)}')
    return {**defaults, **mapping}


@dataclass(frozen=True)
class DBLossOptions:
    """The DB family's options, validated once, defaults filled in.

    Built by :meth:`parse` from the config form (see
    :func:`distribution_balanced_loss`); shared by the function and
    :class:`DistributionBalancedLoss`, which parses its options at construction.
    ``focal`` and ``logit_reg`` are None when switched off; mappings are read-only.
    """
    reweight_func: ReweightFunc
    focal: Optional[Mapping]
    map_param: Mapping
    logit_reg: Optional[Mapping]
    cb_beta: float
    variant: Variant

    def __post_init__(self) -> None:
        for name in ('focal', 'map_param', 'logit_reg'):
            value = getattr(self, name)
            if value is not None and not isinstance(value, MappingProxyType):
                object.__setattr__(self, name, MappingProxyType(dict(value)))

    def __reduce__(self) -> tuple:
        # Read-only mapping views do not pickle: rebuild from plain dicts (deepcopy of
        # a model, e.g. by an EMA hook, goes through here).
        def thaw(value: Optional[Mapping]) -> Optional[dict]:
            return None if value is None else dict(value)

        return (type(self), (self.reweight_func, thaw(self.focal), thaw(self.map_param),
                             thaw(self.logit_reg), self.cb_beta, self.variant))

    @classmethod
    def parse(cls,
              reweight_func: ReweightFunc = 'rebalance',
              focal: Optional[Mapping] = DEFAULT_FOCAL,
              map_param: Optional[Mapping] = DEFAULT_MAP_PARAM,
              logit_reg: Optional[Mapping] = DEFAULT_LOGIT_REG,
              cb_beta: float = 0.9,
              variant: Variant = 'db') -> 'DBLossOptions':
        """Validate the config form of the options (unknown keys, bad values raise
        ``ValueError`` naming them)."""
        if reweight_func not in REWEIGHT_FUNCS:
            raise ValueError(f'reweight_func must be one of {REWEIGHT_FUNCS}, got '
                             f'{reweight_func!r}')
        if variant not in ('db', 'db_star'):
            raise ValueError(f"variant must be 'db' or 'db_star', got {variant!r}")
        focal_opts = _options(focal, 'focal', DEFAULT_FOCAL, off_when_empty=False)
        if focal_opts is not None and not focal_opts['focal']:
            focal_opts = None
        if focal_opts is not None and focal_opts['pt_mode'] not in PT_MODES:
            raise ValueError(f"focal pt_mode must be one of {PT_MODES}, got "
                             f"{focal_opts['pt_mode']!r}")
        map_opts = _options(map_param, 'map_param', DEFAULT_MAP_PARAM,
                            off_when_empty=False) or dict(DEFAULT_MAP_PARAM)
        # A missing key means "this part off": no bias (kappa = 0) or lambda = 1.
        reg_opts = _options(logit_reg, 'logit_reg',
                            dict(init_bias=0.0, neg_scale=1.0, pos_scale=1.0),
                            off_when_empty=True)
        for key in ('neg_scale', 'pos_scale'):
            if reg_opts is not None and not reg_opts[key] > 0:
                raise ValueError(f'logit_reg {key} must be > 0, got {reg_opts[key]}')
        if reweight_func == 'CB':
            class_balanced_weight([1.0], cb_beta)  # validates cb_beta
        return cls(reweight_func=reweight_func, focal=focal_opts, map_param=map_opts,
                   logit_reg=reg_opts, cb_beta=float(cb_beta), variant=variant)

    def required_stats(self) -> Tuple[bool, bool]:
        """Which of ``(class_freq, neg_class_freq)`` these options need."""
        bias_on = self.logit_reg is not None and self.logit_reg['init_bias'] != 0
        need_pos = (self.reweight_func is not None or bias_on
                    or self.variant == 'db_star')
        return need_pos, bias_on


def _missing_stats_error(class_freq, neg_class_freq, need_pos: bool,
                         need_neg: bool) -> Optional[ValueError]:
    missing = [
        name for name, value, need in (('class_freq', class_freq, need_pos),
                                       ('neg_class_freq', neg_class_freq,
                                        need_neg)) if need and value is None
    ]
    if not missing:
        return None
    return ValueError(f"DistributionBalancedLoss: missing {' and '.join(missing)}"
                      f' for this configuration; {STATS_HELP}')


# ----------------------------------------------------------------------------
# The loss
# ----------------------------------------------------------------------------
def distribution_balanced_loss(
        logits: torch.Tensor,
        targets: torch.Tensor,
        class_freq: Optional[StatsLike] = None,
        neg_class_freq: Optional[StatsLike] = None,
        reweight_func: ReweightFunc = 'rebalance',
        focal: Optional[Mapping] = DEFAULT_FOCAL,
        map_param: Optional[Mapping] = DEFAULT_MAP_PARAM,
        logit_reg: Optional[Mapping] = DEFAULT_LOGIT_REG,
        cb_beta: float = 0.9,
        weight: Optional[torch.Tensor] = None,
        reduction: Reduction = 'mean',
        avg_factor: AvgFactor = None,
        variant: Variant = 'db') -> torch.Tensor:
    r"""Distribution-Balanced loss (Wu et al., ECCV 2020) and DB* (Huang et al., HP-DVAL).

    With logits ``z`` ``[B, C]``, targets ``y`` ``[B, C]``:

    1. weights ``w`` ``[B, C]`` from ``reweight_func``: ``None`` -> 1;
       ``'rebalance'`` -> :func:`rebalance_weight` (``map_param``); ``'inv'``
       / ``'sqrt_inv'`` -> :func:`inverse_freq_weight` (``1/n_i`` or
       ``1/sqrt(n_i)``, mean 1 over classes); ``'CB'`` ->
       :func:`class_balanced_weight` (``cb_beta``, mean 1 over classes).
    2. NTR (``logit_reg=dict(init_bias=kappa, neg_scale=lambda)``; ``dict()``
       or None: off; a missing key: ``kappa = 0`` / ``lambda = 1``):
       ``z' = z + b`` (:func:`ntr_bias`), ``z'' = y z' + (1 - y) lambda z'``,
       ``w'' = y w + (1 - y) w / lambda``. ``logit_reg['pos_scale']`` (``s_+``,
       default 1) scales the positive logits likewise, ``z'' = y s_+ z' + ...``
       (the ``ResampleLoss`` of the HP-DVAL / LMPT code, ``dbl.py``; weights
       unchanged); it multiplies DB*'s ``w_i``.
    3. ``bce = BCEWithLogits(z'', y)`` element-wise; with
       ``focal=dict(focal=True, balance_param, gamma)``:
       ``l = balance_param (1 - p_t)^gamma w'' bce``, ``p_t = exp(-bce)``;
       with ``focal=dict(focal=False)`` (or None): ``l = w'' bce``.
       ``focal['pt_mode']='batch_mean'`` takes one ``p_t = exp(-mean_{k,i}
       bce_ki)`` for the whole batch instead (the LMPT code's ``dbl.py``).
    4. ``weight`` (``[B, C]``, or ``[B]`` per sample) multiplies ``l``;
       then :func:`~lmpt_mm.models.losses.reduction.weighted_reduce`:
       ``reduction='mean'``: mean over all ``B*C`` elements (the DB paper's),
       ``sum / B`` with ``avg_factor='batch'`` (MMPretrain's per-sample
       convention), ``sum / avg_factor`` for a number; ``'sum'``: the sum over
       batch and classes; ``'none'``: ``[B, C]``.

    ``variant='db_star'`` (HP-DVAL's DB*, Huang et al., Sec. on the loss): the positive term
    ``log(1 + exp(-w_i (s_i - nu_i)))`` replaces DB's positive BCE term
    ``log(1 + exp(-(z_i + b_i)))``, everything else (negative term, weights
    ``w''``, focal factor with ``p_t = exp(-bce)``) unchanged. We read
    ``s_i`` as the logit ``z_ki`` and ``nu_i`` as DB's per-class NTR
    threshold ``nu_i = -b_i = kappa log(N/n_i - 1) / lambda`` (the logit
    at which the class prior is neutral; ``0`` with NTR off), so the
    positive logit becomes ``z''_ki = w_i (z_ki + b_i)`` with
    ``w_i = (n_i / n) / max_j (n_j / n) = n_i / max_j n_j``
    (:func:`db_star_scale`). For equal class counts DB* equals DB.

    Statistics are needed only by the parts that use them: ``class_freq``
    for any ``reweight_func``, the NTR bias and DB*; ``neg_class_freq``
    (``N = n_i + neg_i``) for the NTR bias. Zero counts are clamped
    (warned once); nothing here modifies ``logits`` or ``targets``.

    Args:
        logits: ``[B, C]`` float.
        targets: ``[B, C]`` in {0, 1} (any numeric/bool dtype).
        class_freq, neg_class_freq: ``[C]`` train counts.
        weight: optional element-wise ``[B, C]`` or per-sample ``[B]``.

    Returns:
        Scalar, or ``[B, C]`` for ``reduction='none'`` (float32, or the
        logits' dtype if wider).
    """
    check_reduction(reduction)
    check_avg_factor(avg_factor)
    options = DBLossOptions.parse(reweight_func, focal, map_param, logit_reg, cb_beta,
                                  variant)
    return db_loss_with_options(logits, targets, class_freq, neg_class_freq, options,
                                weight, reduction, avg_factor)


def db_loss_with_options(logits: torch.Tensor, targets: torch.Tensor,
                         class_freq: Optional[StatsLike],
                         neg_class_freq: Optional[StatsLike], options: DBLossOptions,
                         weight: Optional[torch.Tensor] = None,
                         reduction: Reduction = 'mean',
                         avg_factor: AvgFactor = None) -> torch.Tensor:
    """:func:`distribution_balanced_loss` with options already parsed
    (:meth:`DBLossOptions.parse`; the module parses them once, at construction)."""
    if logits.dim() != 2 or targets.shape != logits.shape:
        raise ValueError('logits and targets must both be [B, C], got '
                         f'{tuple(logits.shape)} and {tuple(targets.shape)}')
    reweight_func, variant = options.reweight_func, options.variant
    focal_opts, map_opts, reg_opts = options.focal, options.map_param, options.logit_reg
    need_pos, need_neg = options.required_stats()
    err = _missing_stats_error(class_freq, neg_class_freq, need_pos, need_neg)
    if err is not None:
        raise err
    class_freq, neg_class_freq = check_class_stats(class_freq, neg_class_freq)
    num_classes = logits.shape[1]
    for name, value in (('class_freq', class_freq), ('neg_class_freq',
                                                     neg_class_freq)):
        if value is not None and value.numel() != num_classes:
            raise ValueError(f'{name} has {value.numel()} classes but the '
                             f'logits have {num_classes}')

    dtype = torch.promote_types(logits.dtype, torch.float32)
    device = logits.device

    def to_dev(t: torch.Tensor) -> torch.Tensor:
        return t.to(device=device, dtype=dtype)

    # Out-of-place copies: the caller's tensors are never modified.
    z = logits.to(dtype)
    y = targets.to(dtype)

    # 1. re-weighting, [B, C] or [C] or None (= 1)
    if reweight_func == 'rebalance':
        w = rebalance_weight(y, class_freq, map_opts['alpha'],
                             map_opts['beta'], map_opts['gamma'])
    elif reweight_func in ('inv', 'sqrt_inv'):
        power = 1.0 if reweight_func == 'inv' else 0.5
        w = to_dev(inverse_freq_weight(class_freq, power))
    elif reweight_func == 'CB':
        w = to_dev(class_balanced_weight(class_freq, options.cb_beta))
    else:
        w = None

    # 2. NTR; DB* scales the positive logit
    neg_scale = 1.0
    if reg_opts is not None:
        neg_scale = float(reg_opts['neg_scale'])
        if reg_opts['init_bias'] != 0:
            z = z + to_dev(
                ntr_bias(class_freq, neg_class_freq, reg_opts['init_bias'],
                         neg_scale))
    pos_scale = to_dev(db_star_scale(class_freq)) \
        if variant == 'db_star' else 1.0
    if reg_opts is not None:
        pos_scale = pos_scale * float(reg_opts['pos_scale'])
    if reg_opts is not None or variant == 'db_star':
        z = z * (y * pos_scale + (1.0 - y) * neg_scale)  # [B, C]
    if reg_opts is not None and neg_scale != 1.0:
        neg_w = y + (1.0 - y) / neg_scale
        w = neg_w if w is None else w * neg_w

    # 3. (focal) BCE
    loss = F.binary_cross_entropy_with_logits(z, y, reduction='none')
    if focal_opts is not None:
        # 1 - p_t = 1 - exp(-bce), accurate for small bce
        bce = loss if focal_opts['pt_mode'] == 'element' else loss.mean()
        loss = float(focal_opts['balance_param']) * (
            -torch.expm1(-bce)).pow(focal_opts['gamma']) * loss
    if w is not None:
        loss = loss * w

    # 4. weight and reduction (the convention shared by all losses here)
    return weighted_reduce(loss, weight, reduction, avg_factor)


@MODELS.register_module()
class DistributionBalancedLoss(nn.Module):
    r"""Distribution-Balanced loss family as an MMPretrain loss module.

    Computes :func:`distribution_balanced_loss` times ``loss_weight``; see
    there for the equations and options. Config example (DB-Focal, COCO-LT)::

        dict(type='DistributionBalancedLoss',
             class_freq=[...], neg_class_freq=[...],
             reweight_func='rebalance',
             focal=dict(focal=True, balance_param=2.0, gamma=2),
             map_param=dict(alpha=0.1, beta=10.0, gamma=0.2),
             logit_reg=dict(init_bias=0.05, neg_scale=2.0))

    Train statistics (``class_freq`` = positive train images per class,
    ``neg_class_freq`` = the others) come from, in this order of use:

    1. config lists ``class_freq`` / ``neg_class_freq``;
    2. ``stats_file``: pickle or JSON dict with those keys (e.g. the DB
       paper's ``*_class_freq.pkl``); not together with 1;
    3. :meth:`set_class_stats`, called by the head / a runner hook with the
       train dataset's ``metainfo['class_freq']`` and
       ``metainfo['neg_class_freq']`` before training; it replaces 1 or 2
       (counts that differ from ``stats_file``'s are logged with a warning).

    A forward whose configuration needs missing statistics raises a
    ``ValueError`` naming them. They are kept on the CPU (not in the
    ``state_dict``) and derived weights are moved to the logits' device.

    Note:
        The loss scale is an explicit choice (``reduction``, ``avg_factor``;
        :mod:`~lmpt_mm.models.losses.reduction`): ``'mean'`` averages over
        all ``B*C`` elements (the DB paper), ``avg_factor='batch'`` sums per
        sample and averages over the batch (MMPretrain's
        ``MultiLabelClsHead`` passes ``avg_factor=B``), ``'sum'`` sums over
        batch and classes. At one learning rate they differ by ``C`` and
        ``B*C`` in step size. An ``avg_factor`` given to :meth:`forward`
        overrides the configured one.

    Args:
        class_freq, neg_class_freq: per-class train counts, or None.
        stats_file: path of a ``.json`` (or ``.pkl``/``.pickle``) statistics
            file.
        reweight_func: None, ``'inv'``, ``'sqrt_inv'``, ``'rebalance'``,
            ``'CB'``.
        focal: ``dict(focal, balance_param, gamma)``; None = no focal.
        map_param: ``dict(alpha, beta, gamma)`` of ``'rebalance'``.
        logit_reg: ``dict(init_bias, neg_scale, pos_scale)`` (NTR; ``pos_scale``
            scales the positive logits, default 1); ``dict()``/None = off.
        cb_beta: beta of ``'CB'``.
        variant: ``'db'`` or ``'db_star'`` (HP-DVAL's DB*).
        loss_weight: multiplies the loss.
        reduction: ``'none'``, ``'mean'``, ``'sum'``.
        avg_factor: default ``avg_factor`` of ``'mean'``: None (mean over
            ``B*C``), ``'batch'`` (``sum / B``) or a number.
    """

    def __init__(self,
                 class_freq: Optional[StatsLike] = None,
                 neg_class_freq: Optional[StatsLike] = None,
                 stats_file: Optional[str] = None,
                 reweight_func: ReweightFunc = 'rebalance',
                 focal: Optional[Mapping] = DEFAULT_FOCAL,
                 map_param: Optional[Mapping] = DEFAULT_MAP_PARAM,
                 logit_reg: Optional[Mapping] = DEFAULT_LOGIT_REG,
                 cb_beta: float = 0.9,
                 variant: Variant = 'db',
                 loss_weight: float = 1.0,
                 reduction: Reduction = 'mean',
                 avg_factor: AvgFactor = None) -> None:
        super().__init__()
        check_reduction(reduction)
        self.avg_factor = check_avg_factor(avg_factor)
        self.stats_file = stats_file
        # Parsed once: forward passes them straight to the maths.
        self.options = DBLossOptions.parse(reweight_func, focal, map_param, logit_reg,
                                           cb_beta, variant)
        self.loss_weight = loss_weight
        self.reduction = reduction
        self.class_freq, self.neg_class_freq = resolve_class_stats(
            class_freq, neg_class_freq, stats_file)

    def set_class_stats(self,
                        class_freq: StatsLike,
                        neg_class_freq: Optional[StatsLike] = None,
                        source: str = 'the train split') -> None:
        """Set (or replace) the train statistics, e.g. from the train
        dataset's ``metainfo``; validated here. ``source`` names them in the
        warning logged when they differ from ``stats_file``'s."""
        self.class_freq, self.neg_class_freq = choose_class_stats(
            (self.class_freq, self.neg_class_freq),
            check_class_stats(class_freq, neg_class_freq), self.stats_file,
            source, type(self).__name__)

    def forward(self,
                cls_score: torch.Tensor,
                label: torch.Tensor,
                weight: Optional[torch.Tensor] = None,
                avg_factor: Optional[float] = None,
                reduction_override: Optional[Reduction] = None
                ) -> torch.Tensor:
        """Args: ``cls_score`` ``[B, C]`` logits, ``label`` ``[B, C]`` in
        {0, 1}, ``weight`` ``[B, C]`` or ``[B]``; returns the loss (scalar,
        or ``[B, C]`` for ``'none'``)."""
        if reduction_override is not None:
            check_reduction(reduction_override, 'reduction_override')
        reduction = reduction_override or self.reduction
        if avg_factor is None and reduction == 'mean':
            avg_factor = self.avg_factor
        else:
            check_avg_factor(avg_factor)
        return self.loss_weight * db_loss_with_options(
            cls_score, label, self.class_freq, self.neg_class_freq, self.options,
            weight, reduction, avg_factor)

    def extra_repr(self) -> str:
        num = None if self.class_freq is None else self.class_freq.numel()
        opts = self.options
        focal = None if opts.focal is None else dict(opts.focal)
        logit_reg = None if opts.logit_reg is None else dict(opts.logit_reg)
        return (f'reweight_func={opts.reweight_func!r}, focal={focal}, '
                f'logit_reg={logit_reg}, variant={opts.variant!r}, '
                f'num_classes={num}, loss_weight={self.loss_weight}, '
                f'reduction={self.reduction!r}, avg_factor={self.avg_factor!r}')
