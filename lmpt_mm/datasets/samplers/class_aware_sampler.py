"""Class-aware re-sampling (Shen et al. 2016; used by the DB-loss paper).

Each draw picks a class uniformly among the classes that have at least one
image, then an image of that class uniformly: ``P(c) = 1 / C'``,
``P(n | c) = 1 / |I_c|``. Multi-label images belong to several ``I_c``.
"""
import logging
import math
from typing import Iterator, Optional, Sized

import numpy as np
import torch
from mmengine.dist import get_dist_info, sync_random_seed
from mmengine.logging import print_log
from mmpretrain.registry import DATA_SAMPLERS
from torch.utils.data import Sampler

__all__ = ['ClassAwareSampler']


@DATA_SAMPLERS.register_module()
class ClassAwareSampler(Sampler):
    """Class-aware sampler, deterministic under ``seed`` and distributed-safe.

    Every epoch draws one global sequence of ``total_size`` indices from a
    generator seeded with ``seed + epoch``; rank ``r`` takes positions
    ``r, r + world_size, ...`` - disjoint shares of that sequence (the same
    image may still occur twice: sampling is with replacement).

    Args:
        dataset: a dataset with ``get_cat_ids(idx) -> list of class ids``
            (e.g. :class:`LTMultiLabelDataset`). Images without label are
            never drawn.
        seed: random seed; ``None`` syncs a random one across ranks.
        num_samples: total draws per epoch over all ranks; defaults to
            ``len(dataset)``. Each rank yields ``ceil(num_samples /
            world_size)`` indices.
        rank, world_size: override :func:`mmengine.dist.get_dist_info`
            (tests, custom launchers).
    """

    def __init__(self,
                 dataset: Sized,
                 seed: Optional[int] = None,
                 num_samples: Optional[int] = None,
                 rank: Optional[int] = None,
                 world_size: Optional[int] = None) -> None:
        if not hasattr(dataset, 'get_cat_ids'):
            raise TypeError(f'ClassAwareSampler needs a dataset with get_cat_ids, '
                            f'got {type(dataset).__name__}')
        dist_rank, dist_world = get_dist_info()
        self.rank = dist_rank if rank is None else rank
        self.world_size = dist_world if world_size is None else world_size
        if not 0 <= self.rank < self.world_size:
            raise ValueError(f'rank {self.rank} outside world_size '
                             f'{self.world_size}')
        self.dataset = dataset
        self.seed = sync_random_seed() if seed is None else seed
        self.epoch = 0

        per_class = {}
        for idx in range(len(dataset)):
            for c in dataset.get_cat_ids(idx):
                per_class.setdefault(int(c), []).append(idx)
        if not per_class:
            raise ValueError('ClassAwareSampler: no image in the dataset has a '
                             'label, nothing to sample')
        num_classes = len(getattr(dataset, 'metainfo', {}).get('classes', ()))
        empty = [c for c in range(num_classes) if c not in per_class]
        if empty:
            print_log(
                f'ClassAwareSampler: classes {empty} have no image and are '
                'never drawn',
                logger='current',
                level=logging.WARNING)
        classes = sorted(per_class)
        # class c's images are flat[offsets[k]:offsets[k] + counts[k]]
        self._counts = torch.tensor([len(per_class[c]) for c in classes])
        self._offsets = torch.cumsum(self._counts, 0) - self._counts
        self._flat = torch.tensor(
            np.concatenate([per_class[c] for c in classes]), dtype=torch.long)

        total = len(dataset) if num_samples is None else int(num_samples)
        if total <= 0:
            raise ValueError(f'num_samples must be positive, got {num_samples}')
        self.num_samples = math.ceil(total / self.world_size)
        self.total_size = self.num_samples * self.world_size

    def _global_indices(self) -> torch.Tensor:
        """The epoch's ``[total_size]`` sequence shared by all ranks."""
        g = torch.Generator()
        g.manual_seed(self.seed + self.epoch)
        k = torch.randint(len(self._counts), (self.total_size, ), generator=g)
        u = torch.rand(self.total_size, generator=g, dtype=torch.float64)
        counts = self._counts[k]
        pos = torch.minimum((u * counts).long(), counts - 1)  # uniform in class
        return self._flat[self._offsets[k] + pos]

    def __iter__(self) -> Iterator[int]:
        indices = self._global_indices()[self.rank::self.world_size]
        return iter(indices.tolist())

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Set the epoch (called by the train loop) to vary the draws."""
        self.epoch = epoch
