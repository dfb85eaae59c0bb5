"""Uniform and class-aware batches side by side, for two-branch training (LTML; Guo and
Wang, CVPR 2021: one branch sees uniform sampling, the other re-balanced sampling)."""
import math
from typing import Iterator, Optional, Sized

import torch
from mmengine.dist import get_dist_info, sync_random_seed
from mmpretrain.registry import DATA_SAMPLERS
from torch.utils.data import Sampler

from .class_aware_sampler import ClassAwareSampler

__all__ = ['UniformClassAwarePairSampler']


@DATA_SAMPLERS.register_module()
class UniformClassAwarePairSampler(Sampler):
    """Each loader batch of ``2 * batch_size`` images: ``batch_size`` drawn uniformly
    (an epoch's shuffle of the dataset), then ``batch_size`` drawn class-aware
    (:class:`ClassAwareSampler`: a class uniformly, then one of its images).

    Set the train loader's ``batch_size`` to ``2 * batch_size``; the model splits
    each batch in halves (first uniform, second re-balanced). An epoch is
    ``ceil(len(dataset) / (batch_size * world_size))`` such batches per rank: the
    uniform halves cover the dataset once (the last batch wraps around to fill
    up), the class-aware halves draw as many images with replacement. Deterministic
    under ``seed`` (``seed + epoch``); ranks take disjoint shares of both sequences.

    Args:
        dataset: a dataset with ``get_cat_ids(idx)`` (e.g. ``LTMultiLabelDataset``).
        batch_size: images of each sampling per loader batch (``B``).
        seed: random seed; ``None`` syncs a random one across ranks.
        rank, world_size: override :func:`mmengine.dist.get_dist_info`.
    """

    def __init__(self,
                 dataset: Sized,
                 batch_size: int,
                 seed: Optional[int] = None,
                 rank: Optional[int] = None,
                 world_size: Optional[int] = None) -> None:
        if batch_size < 1:
            raise ValueError(f'batch_size must be >= 1, got {batch_size}')
        dist_rank, dist_world = get_dist_info()
        self.rank = dist_rank if rank is None else rank
        self.world_size = dist_world if world_size is None else world_size
        self.dataset = dataset
        self.batch_size = batch_size
        self.seed = sync_random_seed() if seed is None else seed
        self.epoch = 0
        self.num_batches = math.ceil(len(dataset) / (batch_size * self.world_size))
        per_sampling = self.num_batches * batch_size * self.world_size
        # a seed stream of its own, so the class-aware draws are not the shuffle's
        self.class_aware = ClassAwareSampler(dataset, seed=self.seed + 1,
                                             num_samples=per_sampling, rank=self.rank,
                                             world_size=self.world_size)

    def _uniform(self) -> torch.Tensor:
        """This rank's share of the epoch's shuffle, wrapped to fill the batches."""
        g = torch.Generator()
        g.manual_seed(self.seed + self.epoch)
        total = self.num_batches * self.batch_size * self.world_size
        order = torch.randperm(len(self.dataset), generator=g)
        order = order.repeat(math.ceil(total / len(order)))[:total]
        return order[self.rank::self.world_size]

    def __iter__(self) -> Iterator[int]:
        uniform = self._uniform().view(self.num_batches, self.batch_size)
        rebalanced = torch.tensor(list(iter(self.class_aware))).view(self.num_batches,
                                                                      self.batch_size)
        # [num_batches, 2B]: each row a loader batch, uniform half first
        return iter(torch.cat([uniform, rebalanced], dim=1).flatten().tolist())

    def __len__(self) -> int:
        return 2 * self.num_batches * self.batch_size

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch
        self.class_aware.set_epoch(epoch)
