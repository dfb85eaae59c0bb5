"""Re-seed every RNG at the start of each training epoch."""
from __future__ import annotations

import random

import numpy as np
import torch
from mmengine.dist import get_rank
from mmengine.hooks import Hook
from mmpretrain.registry import HOOKS


def epoch_seed(base_seed: int, epoch: int, rank: int = 0) -> int:
    """Seed of ``epoch`` on ``rank``: a pure function of the three, in [0, 2**31)."""
    return (base_seed + 1_000_003 * (epoch + 1) + 7_919 * rank) % (2**31)


@HOOKS.register_module()
class EpochSeedHook(Hook):
    """Make epoch ``e`` of a resumed run draw the same random numbers as the original.

    MMEngine seeds once at start-up, so after ``--resume`` the random flips, dropout
    and worker seeds of the remaining epochs differ from an uninterrupted run. This
    hook seeds ``random``, numpy and torch from ``(seed, epoch, rank)`` before every
    epoch, which makes interrupted-and-resumed epoch-based training identical to an
    uninterrupted one (deterministic CPU runs). It does nothing without a seed.
    """

    priority = 'VERY_HIGH'

    def before_train_epoch(self, runner) -> None:
        base = runner.seed
        if base is None:
            return
        seed = epoch_seed(int(base), runner.epoch, get_rank())
        random.seed(seed)
        np.random.seed(seed)
        torch.manual_seed(seed)
