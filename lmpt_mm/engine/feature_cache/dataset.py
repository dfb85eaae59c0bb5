"""A training dataset that yields cached image features instead of decoded images."""
import bisect
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

import torch
from torch.utils.data import Dataset

from .inputs import FEATS_KEY, LOCAL_FEATS_KEY
from .views import build_pipeline

Feats = Tuple[torch.Tensor, ...]


class CachedFeatureDataset(Dataset):
    """``dataset``'s samples with the image replaced by one cached view's features.

    Sample ``i`` draws view ``v`` with probability ``probs[v]`` from the global torch
    RNG (one uniform number per sample; seeded by MMEngine and re-seeded every epoch
    by ``EpochSeedHook``: runs and resumed runs are reproducible) and returns
    ``dict(inputs={'image_feats': [D], 'local_feats': [N, D]?}, data_samples=...)``.
    The data sample is packed by the pipeline's own ``PackInputs`` from the data
    info (labels, ``caption``, ``img_path``, ...) plus ``flip``/``flip_direction``
    of the drawn view, as the image pipeline would. It is packed once per (image,
    view) and the same object is returned on every draw - per-sample packing would
    cost as much as the prompt step itself - so training code must treat data
    samples as read-only (MMPretrain's heads and data preprocessors do).

    Args:
        dataset: the original (built) train dataset; its ``metainfo`` and data infos
            are used as they are.
        views: per view, the backbone outputs ``(global [N, D], local [N, M, D]?)``.
        probs: view probabilities.
        flips: per view ``True``/``False`` (horizontal flip) or ``None``.
        pack: the ``PackInputs`` transform config of the train pipeline.
    """

    def __init__(self, dataset, views: Sequence[Feats], probs: Sequence[float],
                 flips: Sequence[Optional[bool]], pack: dict) -> None:
        if len(views) != len(probs) or len(views) != len(flips) or not views:
            raise ValueError(f'{len(views)} views, {len(probs)} probabilities and '
                             f'{len(flips)} flips do not match')
        for v, feats in enumerate(views):
            if feats[0].shape[0] != len(dataset):
                raise ValueError(f'view {v} holds {feats[0].shape[0]} features for a '
                                 f'dataset of {len(dataset)} images')
        self.dataset = dataset
        self.views: List[Feats] = list(views)
        probs = torch.tensor(list(probs), dtype=torch.float64)
        if (probs < 0).any() or probs.sum() <= 0:
            raise ValueError(f'view probabilities must be >= 0 with a positive sum, '
                             f'got {probs.tolist()}')
        self.probs = probs / probs.sum()
        self._cum_probs = self.probs.cumsum(0).tolist()
        self.flips = list(flips)
        self.pack = build_pipeline([pack])
        self._packed: Dict[Tuple[int, int], Any] = {}
        self._all_packed = False
        # global features of all views side by side [N, V, D] (small: one gather per
        # batch); local features [N, M, D] are large and stay per view
        self._global_by_view = (torch.stack([feats[0] for feats in self.views], 1)
                                if len(self.views) > 1 else None)

    @property
    def metainfo(self) -> dict:
        return self.dataset.metainfo

    def __len__(self) -> int:
        return len(self.dataset)

    def draw_views(self, num: int) -> List[int]:
        """``num`` views, ``v`` with probability ``probs[v]`` (inverse of the cumsum)."""
        if len(self.views) == 1:
            return [0] * num
        last = len(self.views) - 1
        return [min(bisect.bisect_right(self._cum_probs, u), last)
                for u in torch.rand(num, dtype=torch.float64).tolist()]

    def draw_view(self) -> int:
        return self.draw_views(1)[0]

    def get_data_info(self, index: int) -> dict:
        return self.dataset.get_data_info(index)

    def packed_sample(self, index: int, view: int):
        """The data sample of image ``index`` seen through view ``view`` (built once)."""
        packed = self._packed.get((index, view))
        if packed is None:
            results = dict(self.dataset.get_data_info(index))
            if self.flips[view] is not None:
                results['flip'] = self.flips[view]
                results['flip_direction'] = 'horizontal' if self.flips[view] else None
            packed = self._packed[(index, view)] = self.pack(results)['data_samples']
        return packed

    def pack_all(self) -> None:
        """Pack the data sample of every (image, view) now, so training steps never do.

        One ``PackInputs`` call per pair (``len(dataset) x views``); called before
        training (``FeatureCacheHook``) to keep sample packing out of the steps.
        """
        for index in range(len(self)):
            for view in range(len(self.views)):
                self.packed_sample(index, view)
        self._all_packed = True

    def sample(self, index: int, view: int) -> dict:
        """Sample ``index`` with view ``view`` (no random draw)."""
        feats = self.views[view]
        inputs = {FEATS_KEY: feats[0][index]}
        if len(feats) > 1:
            inputs[LOCAL_FEATS_KEY] = feats[1][index]
        return dict(inputs=inputs, data_samples=self.packed_sample(index, view))

    def batch(self, indices: Sequence[int]) -> dict:
        """A collated batch of ``indices``, one view drawn per image.

        ``inputs`` holds stacked ``[B, D]`` (and ``[B, N, D]``) tensors gathered with
        one indexing operation per view, ``data_samples`` a list: the form a
        collated batch of :meth:`__getitem__` samples takes in the data preprocessor.
        """
        views = self.draw_views(len(indices))
        indices = list(indices)
        index = torch.as_tensor(indices, dtype=torch.long)
        inputs = {}
        for part, key in enumerate((FEATS_KEY, LOCAL_FEATS_KEY)):
            if len(self.views[0]) <= part:
                break
            if len(self.views) == 1:
                inputs[key] = self.views[0][part][index]
            elif part == 0:  # one gather of (image, drawn view) pairs
                inputs[key] = self._global_by_view[index, torch.as_tensor(views)]
            else:  # every view's rows of the batch, then each image's drawn view
                rows = torch.stack([feats[part][index] for feats in self.views])  # [V, B, ..]
                inputs[key] = rows[torch.as_tensor(views), torch.arange(len(views))]
        if self._all_packed:
            packed = self._packed
            samples = [packed[(i, v)] for i, v in zip(indices, views)]
        else:
            samples = [self.packed_sample(i, v) for i, v in zip(indices, views)]
        return dict(inputs=inputs, data_samples=samples)

    def __getitem__(self, index: int) -> dict:
        return self.sample(index, self.draw_view())


class CachedFeatureLoader:
    """Batches of a :class:`CachedFeatureDataset`, fetched a whole batch at a time.

    Stands in for the train ``DataLoader``: iterates the original batch sampler (same
    images in the same order; ``sampler.set_epoch`` still reaches it through the
    ``sampler`` / ``batch_sampler`` attributes MMEngine's loops and hooks use) and
    returns :meth:`CachedFeatureDataset.batch` for each list of indices. Features
    are in memory, so a per-sample worker pipeline would only add overhead.
    """

    def __init__(self, dataset: CachedFeatureDataset, batch_sampler) -> None:
        self.dataset = dataset
        self.batch_sampler = batch_sampler
        self.sampler = getattr(batch_sampler, 'sampler', None)
        self.batch_size = getattr(batch_sampler, 'batch_size', None)

    def __len__(self) -> int:
        return len(self.batch_sampler)

    def __iter__(self) -> Iterator[dict]:
        for indices in self.batch_sampler:
            yield self.dataset.batch(indices)
