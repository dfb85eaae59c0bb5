"""The data preprocessor that passes cached-feature batches through untouched."""
from typing import Any, Optional, Sequence, Union

import torch
from mmpretrain.models.utils import ClsDataPreprocessor
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

from .inputs import is_feature_inputs, stack_features

# data preprocessors upgraded to their feature-aware subclass (same args and buffers)
_UPGRADABLE = (None, 'ClsDataPreprocessor', 'mmpretrain.ClsDataPreprocessor')


def feature_aware_preprocessor(data_preprocessor: Optional[Union[dict, Any]]) -> Any:
    """``data_preprocessor`` with MMPretrain's ``ClsDataPreprocessor`` (or none, its
    default) replaced by :class:`FeatureAwareClsDataPreprocessor`; anything else
    (another type, a built module) is returned unchanged."""
    if data_preprocessor is None:
        data_preprocessor = {}
    if isinstance(data_preprocessor, dict) and \
            data_preprocessor.get('type') in _UPGRADABLE:
        return dict(data_preprocessor, type='FeatureAwareClsDataPreprocessor')
    return data_preprocessor


def _samples_on(samples: Sequence[Any], device: torch.device) -> bool:
    """True when every tensor field of the data samples is already on ``device``."""
    device = torch.device(device)
    for sample in samples:
        if not isinstance(sample, DataSample):
            return False
        for value in sample.values():
            if isinstance(value, torch.Tensor) and value.device != device:
                return False
    return True


@MODELS.register_module()
class FeatureAwareClsDataPreprocessor(ClsDataPreprocessor):
    """``ClsDataPreprocessor`` that also accepts batches of cached image features.

    Images are processed exactly as by MMPretrain's ``ClsDataPreprocessor`` (same
    arguments, same buffers, so checkpoints are interchangeable). Feature batches
    (:func:`is_feature_inputs`) are stacked and moved to the device, and the data
    samples get the same label handling (``gt_label`` to the device, one-hot
    ``gt_score`` with ``to_onehot``). Batch augmentations (Mixup, CutMix) work on
    pixels and are refused for feature batches.
    """

    def forward(self, data: dict, training: bool = False) -> dict:
        if not is_feature_inputs(data.get('inputs')):
            return super().forward(data, training)
        if training and self.batch_augments is not None:
            raise ValueError('batch_augments (Mixup/CutMix) need images; disable the '
                             'feature cache (FeatureCacheHook) or the batch augments')
        inputs = {k: self.cast_data(stack_features(v)) for k, v in data['inputs'].items()
                  if v is not None}
        samples = data.get('data_samples')
        if samples is not None:
            samples = list(samples)
            # MMEngine's cast rebuilds every DataSample even when nothing moves: skip
            # it when the labels are already there (CPU training on cached features).
            if not _samples_on(samples, self.device):
                samples = self.cast_data(samples)
            if self.to_onehot and isinstance(samples[0], DataSample) \
                    and 'gt_score' not in samples[0] and 'gt_label' in samples[0]:
                num_classes = self.num_classes or samples[0].get('num_classes')
                if num_classes is None:
                    raise ValueError('to_onehot=True needs num_classes in the '
                                     'data_preprocessor')
                for s in samples:
                    score = torch.zeros(num_classes, device=s.gt_label.device)
                    score[s.gt_label] = 1.0
                    s.set_gt_score(score)
        return {'inputs': inputs, 'data_samples': samples}
