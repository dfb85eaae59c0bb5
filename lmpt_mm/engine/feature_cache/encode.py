"""Encode every training image once per view with the frozen image encoder.

Distributed runs split the images: rank ``r`` of ``W`` encodes images
``r, r + W, r + 2W, ...``; an all-gather then gives every rank the whole cache.
"""
import hashlib
import random
from typing import Callable, List, Optional, Sequence, Tuple

import numpy as np
import torch
from mmengine.dataset import pseudo_collate
from mmengine.dist import all_gather, get_dist_info
from torch.utils.data import DataLoader, Dataset, Subset

Feats = Tuple[torch.Tensor, ...]


def view_seed(view: int, index: int) -> int:
    """Seed of the random draw of view ``view`` of image ``index`` (``'sampled'`` mode)."""
    digest = hashlib.sha256(f'lmpt_mm-feature-cache:{view}:{index}'.encode()).digest()
    return int.from_bytes(digest[:4], 'little') & 0x7FFFFFFF


class SeededView(Dataset):
    """``dataset[i]`` with ``random``/numpy/torch seeded from ``(view, i)`` first.

    Makes a random pipeline's draw for one (view, image) pair a fixed function of
    the pair, in any process and any order (rank shares, worker processes).
    """

    def __init__(self, dataset: Dataset, view: int) -> None:
        self.dataset, self.view = dataset, view

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, index: int):
        seed = view_seed(self.view, index)
        random.seed(seed)
        np.random.seed(seed)
        torch.manual_seed(seed)
        return self.dataset[index]


def rank_share(num: int, rank: int, world_size: int) -> List[int]:
    """Indices encoded by ``rank``: ``rank, rank + W, ...`` (disjoint, covering)."""
    return list(range(rank, num, world_size))


def merge_shares(shares: Sequence[torch.Tensor], num: int) -> torch.Tensor:
    """Inverse of :func:`rank_share`: rows of padded per-rank shares back in order."""
    world_size = len(shares)
    out = shares[0].new_empty((num, *shares[0].shape[1:]))
    for rank, share in enumerate(shares):
        count = len(range(rank, num, world_size))
        out[rank::world_size] = share[:count]
    return out


def gather_features(local: torch.Tensor, num: int) -> torch.Tensor:
    """All ranks' shares ``[ceil(N/W), ...]`` -> the whole ``[N, ...]`` on every rank."""
    _, world_size = get_dist_info()
    if world_size == 1:
        return local[:num]
    return merge_shares([t.cpu() for t in all_gather(local)], num)


@torch.no_grad()
def encode_dataset(dataset: Dataset, preprocess: Callable[[dict], dict],
                   encode: Callable[[torch.Tensor], Feats], batch_size: int,
                   num_workers: int = 0, indices: Optional[Sequence[int]] = None,
                   pad_to: Optional[int] = None) -> Feats:
    """Features of ``dataset[i]`` for ``i`` in ``indices`` (default all), in that order.

    ``preprocess`` is the model's data preprocessor (``training=False``),
    ``encode`` the frozen backbone. Outputs are float32 on the CPU; with
    ``pad_to``, each is zero-padded to that many rows (for the all-gather).
    """
    indices = list(range(len(dataset))) if indices is None else list(indices)
    loader = DataLoader(Subset(dataset, indices), batch_size=batch_size, shuffle=False,
                        num_workers=num_workers, collate_fn=pseudo_collate)
    chunks: List[Feats] = []
    for batch in loader:
        data = preprocess(batch)
        feats = encode(data['inputs'])
        chunks.append(tuple(f.detach().float().cpu() for f in feats))
    if not chunks:
        raise ValueError('the feature cache has no image to encode')
    out = tuple(torch.cat(parts) for parts in zip(*chunks))
    if pad_to is not None and pad_to > out[0].shape[0]:
        out = tuple(torch.cat([f, f.new_zeros((pad_to - f.shape[0], *f.shape[1:]))])
                    for f in out)
    return out


def encode_views(view_datasets: Sequence[Dataset], preprocess: Callable[[dict], dict],
                 encode: Callable[[torch.Tensor], Feats], batch_size: int,
                 num_workers: int = 0) -> List[Feats]:
    """Features of every view (one dataset per view), this rank's share, gathered."""
    rank, world_size = get_dist_info()
    num = len(view_datasets[0])
    share = rank_share(num, rank, world_size)
    pad = -(-num // world_size)
    views = []
    for dataset in view_datasets:
        local = encode_dataset(dataset, preprocess, encode, batch_size, num_workers,
                               share, pad_to=pad)
        views.append(tuple(gather_features(f, num) for f in local))
    return views
