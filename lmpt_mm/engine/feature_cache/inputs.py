"""Batches of precomputed image features instead of images: the cached-input path.

A sample from :class:`~lmpt_mm.engine.feature_cache.CachedFeatureDataset` has
``inputs = {FEATS_KEY: Tensor[D], LOCAL_FEATS_KEY: Tensor[N, D] (optional)}``;
collated, ``inputs`` is a dict of lists (``pseudo_collate``) or of stacked tensors
(``default_collate``). ``FeatureAwareClsDataPreprocessor`` moves such batches to the
device untouched (no normalisation) and ``CLIPPromptClassifier.extract_feat`` hands
them, through :func:`cached_features`, to the neck or head in place of the
backbone's output.
"""
from typing import Any, Callable, Optional, Sequence, Tuple, Union

import torch

FEATS_KEY = 'image_feats'
LOCAL_FEATS_KEY = 'local_feats'


def is_feature_inputs(inputs: Any) -> bool:
    """True for a batch (or sample) of cached features rather than images."""
    return isinstance(inputs, dict) and FEATS_KEY in inputs


def stack_features(value: Union[torch.Tensor, Sequence[torch.Tensor]]) -> torch.Tensor:
    """A collated feature field as one ``[B, ...]`` tensor (``pseudo_collate`` gives a list)."""
    return value if isinstance(value, torch.Tensor) else torch.stack(list(value))


def feature_tuple(inputs: dict) -> Tuple[torch.Tensor, ...]:
    """``(global [B, D],)`` or ``(global, local [B, N, D])`` - the backbone's output form."""
    feats = (stack_features(inputs[FEATS_KEY]).float(), )
    if inputs.get(LOCAL_FEATS_KEY) is not None:
        feats += (stack_features(inputs[LOCAL_FEATS_KEY]).float(), )
    return feats


def cached_features(inputs: dict, neck: Optional[Callable] = None,
                    stage: str = 'neck') -> Tuple[torch.Tensor, ...]:
    """What ``ImageClassifier.extract_feat(inputs, stage)`` returns for cached features.

    ``stage='backbone'`` (or no neck): :func:`feature_tuple`; ``stage='neck'``: the
    neck applied to it. The backbone itself never runs (its output is the cache).

    Raises:
        ValueError: for another stage with a neck (``'pre_logits'`` needs the head's
            own path, which a classifier runs after this).
    """
    feats = feature_tuple(inputs)
    if stage == 'backbone' or neck is None:
        return feats
    if stage != 'neck':
        raise ValueError(f"extract_feat(stage={stage!r}) of cached features: expected "
                         "'backbone' or 'neck'")
    return neck(feats)
