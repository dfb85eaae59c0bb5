"""The pieces of the 1cycle policy that MMEngine lacks: the momentum half (its
``OneCycleLR`` cycles the lr only) and a cycle whose peak is the optimizer's lr."""
import math
from typing import List, Optional

from mmengine.optim.scheduler import OneCycleLR
from mmengine.optim.scheduler.momentum_scheduler import MomentumSchedulerMixin
from mmengine.optim.scheduler.param_scheduler import INF, _ParamScheduler
from mmengine.registry import PARAM_SCHEDULERS


def one_cycle_momentum(step: int, total_steps: int, pct_start: float,
                       base_momentum: float, max_momentum: float) -> float:
    r"""Momentum (SGD) or ``beta_1`` (Adam) at ``step`` of a two-phase 1cycle policy.

    Smith & Topin, "Super-Convergence" (2017), as ``torch.optim.lr_scheduler.OneCycleLR``
    (``cycle_momentum=True``, ``anneal_strategy='cos'``, ``three_phase=False``) sets it,
    inverse to the learning rate: cosine from ``max_momentum`` down to ``base_momentum``
    over steps ``0 .. pct_start * T - 1``, then back up to ``max_momentum`` at step
    ``T - 1``:

    .. math::
        m(t) = m_e + \frac{m_s - m_e}{2} \left(1 + \cos \pi \frac{t - t_0}{t_1 - t_0}\right)

    on each phase ``[t_0, t_1]`` from ``m_s`` to ``m_e``.
    """
    phases = [(pct_start * total_steps - 1, max_momentum, base_momentum),
              (total_steps - 1, base_momentum, max_momentum)]
    start_step = 0.0
    for i, (end_step, start, end) in enumerate(phases):
        if step <= end_step or i == len(phases) - 1:
            pct = (step - start_step) / (end_step - start_step)
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        start_step = end_step
    raise AssertionError('unreachable')


class CycledMomentumSchedule(_ParamScheduler):
    """The 1cycle momentum values of :func:`one_cycle_momentum` for ``param_name``
    (:class:`OneCycleMomentum` binds it to SGD's momentum / Adam's ``beta_1``)."""

    def __init__(self, optimizer, param_name: str, base_momentum: float = 0.85,
                 max_momentum: float = 0.95, pct_start: float = 0.3, begin: int = 0,
                 end: int = INF, last_step: int = -1, by_epoch: bool = True,
                 verbose: bool = False) -> None:
        if end == INF:
            raise ValueError('OneCycleMomentum needs a finite `end` (the cycle length)')
        if not 0.0 <= pct_start <= 1.0:
            raise ValueError(f'pct_start must be in [0, 1], got {pct_start}')
        if not 0.0 <= base_momentum <= max_momentum < 1.0:
            raise ValueError('need 0 <= base_momentum <= max_momentum < 1, got '
                             f'{base_momentum} and {max_momentum}')
        self.base_momentum, self.max_momentum = base_momentum, max_momentum
        self.pct_start = pct_start
        self.total_steps = end - begin
        super().__init__(optimizer, param_name, begin=begin, end=end, last_step=last_step,
                         by_epoch=by_epoch, verbose=verbose)

    @classmethod
    def build_iter_from_epoch(cls, *args, begin: int = 0, end: int = INF,
                              by_epoch: bool = True, epoch_length: Optional[int] = None,
                              **kwargs) -> 'OneCycleMomentum':
        """The same cycle counted in iterations (``convert_to_iter_based=True``)."""
        if not by_epoch or not epoch_length or epoch_length < 1:
            raise ValueError('convert_to_iter_based needs by_epoch=True and the epoch '
                             f'length, got by_epoch={by_epoch}, '
                             f'epoch_length={epoch_length}')
        return cls(*args, begin=int(begin * epoch_length),
                   end=end if end == INF else int(end * epoch_length), by_epoch=False,
                   **kwargs)

    def _get_value(self) -> List[float]:
        value = one_cycle_momentum(self.last_step - self.begin, self.total_steps,
                                   self.pct_start, self.base_momentum, self.max_momentum)
        return [value for _ in self.optimizer.param_groups]


@PARAM_SCHEDULERS.register_module()
class OneCycleMomentum(MomentumSchedulerMixin, CycledMomentumSchedule):
    """Cycle the momentum (``beta_1`` for Adam/AdamW) as the 1cycle policy does.

    The companion of MMEngine's ``OneCycleLR`` (which asserts ``param_name == 'lr'``):
    with the same ``begin``/``end`` and ``pct_start`` the pair reproduces
    ``torch.optim.lr_scheduler.OneCycleLR`` with its default ``cycle_momentum=True``
    - what the HP-DVAL code trains with (``coco_runner_dual.py`` 338 of its release).
    See :func:`one_cycle_momentum` for the values; the cycle spans ``end - begin``
    steps (``convert_to_iter_based=True`` turns epochs into iterations).

    Args:
        optimizer: the wrapped optimizer.
        base_momentum: the lowest momentum, at the lr peak (torch's default 0.85).
        max_momentum: the momentum at the start and the end (torch's default 0.95).
        pct_start: fraction of the cycle spent raising the lr (lowering the momentum).
        begin, end, last_step, by_epoch, verbose: see MMEngine's ``_ParamScheduler``.
    """


@PARAM_SCHEDULERS.register_module()
class OneCycleLRFromOptimizer(OneCycleLR):
    """MMEngine's ``OneCycleLR`` with the peak lr of each parameter group taken from
    the optimizer (the group's lr when the scheduler is built) instead of ``eta_max``.

    The HP-DVAL code builds torch's ``OneCycleLR(optimizer, max_lr=lr)`` from the same
    ``lr`` its optimizer gets (``coco_runner_dual.py`` 338 of its release); tying the
    two here keeps them tied under an override of ``optim_wrapper.optimizer.lr`` alone
    (a selection trial, ``--auto-scale-lr``), which would otherwise leave the cycle at
    the config's ``eta_max``. Per-group lr multipliers (``paramwise_cfg``) carry over.
    Other arguments: MMEngine's ``OneCycleLR`` (``pct_start``, ``div_factor``, ...).
    """

    def __init__(self, optimizer, **kwargs) -> None:
        if 'eta_max' in kwargs:
            raise ValueError('OneCycleLRFromOptimizer takes its peak lr from the optimizer; '
                             'set optim_wrapper.optimizer.lr instead of eta_max')
        groups = optimizer.param_groups
        super().__init__(optimizer, eta_max=[g['lr'] for g in groups], **kwargs)
