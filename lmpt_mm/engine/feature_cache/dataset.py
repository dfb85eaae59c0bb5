"""A training dataset that yields cached image features instead of decoded images."""
from typing import List, Optional, Sequence, Tuple

import torch
from torch.utils.data import Dataset

from lmpt_mm.models.classifiers.feature_inputs import FEATS_KEY, LOCAL_FEATS_KEY

from .views import build_pipeline

Feats = Tuple[torch.Tensor, ...]


class CachedFeatureDataset(Dataset):
    """``dataset``'s samples with the image replaced by one cached view's features.

    Sample ``i`` draws view ``v`` with probability ``probs[v]`` from the global torch
    RNG (seeded by MMEngine and re-seeded every epoch by ``EpochSeedHook``: runs
    and resumed runs are reproducible) and returns
    ``dict(inputs={'image_feats': [D], 'local_feats': [N, D]?}, data_samples=...)``.
    The data sample is packed by the pipeline's own ``PackInputs`` from the data
    info (labels, ``caption``, ``img_path``, ...) plus ``flip``/``flip_direction``
    of the drawn view, as the image pipeline would.

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
        self.probs = torch.tensor(list(probs), dtype=torch.float64)
        self.flips = list(flips)
        self.pack = build_pipeline([pack])

    @property
    def metainfo(self) -> dict:
        return self.dataset.metainfo

    def __len__(self) -> int:
        return len(self.dataset)

    def draw_view(self) -> int:
        if len(self.views) == 1:
            return 0
        return int(torch.multinomial(self.probs, 1).item())

    def get_data_info(self, index: int) -> dict:
        return self.dataset.get_data_info(index)

    def sample(self, index: int, view: int) -> dict:
        """Sample ``index`` with view ``view`` (no random draw)."""
        results = dict(self.dataset.get_data_info(index))
        if self.flips[view] is not None:
            results['flip'] = self.flips[view]
            results['flip_direction'] = 'horizontal' if self.flips[view] else None
        packed = self.pack(results)
        feats = self.views[view]
        inputs = {FEATS_KEY: feats[0][index]}
        if len(feats) > 1:
            inputs[LOCAL_FEATS_KEY] = feats[1][index]
        return dict(inputs=inputs, data_samples=packed['data_samples'])

    def __getitem__(self, index: int) -> dict:
        return self.sample(index, self.draw_view())
