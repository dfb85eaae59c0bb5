"""ImageClassifier for CLIP prompt tuning: cached-feature inputs, trainable-only state."""
from typing import List, Optional, Tuple

import torch
from mmpretrain.models.classifiers import ImageClassifier
from mmpretrain.registry import MODELS
from torch import nn

from lmpt_mm.engine.feature_cache import (cached_features, feature_aware_preprocessor,
                                          is_feature_inputs)


def frozen_prefixes(model: nn.Module) -> List[str]:
    """Top-most submodules whose parameters (at least one) all have ``requires_grad=False``.

    Their weights come from the config (``pretrained=`` of the CLIP towers), so a
    trainable-only checkpoint leaves them out.
    """
    prefixes: List[str] = []

    def visit(module: nn.Module, prefix: str) -> None:
        params = list(module.parameters())
        if prefix and params and not any(p.requires_grad for p in params):
            prefixes.append(prefix)
            return
        for name, child in module.named_children():
            visit(child, f'{prefix}.{name}' if prefix else name)

    visit(model, '')
    return prefixes


def _under(key: str, prefixes: List[str]) -> bool:
    return any(key == p or key.startswith(p + '.') for p in prefixes)


@MODELS.register_module()
class CLIPPromptClassifier(ImageClassifier):
    """``ImageClassifier`` of a frozen CLIP image encoder and a CLIP prompt head.

    Same arguments and behaviour as MMPretrain's ``ImageClassifier``, plus:

    * **Cached features as inputs.** ``inputs`` may be a dict of precomputed
      backbone outputs (``{'image_feats': [B, D], 'local_feats': [B, N, D]}``,
      see :mod:`lmpt_mm.engine.feature_cache.inputs`); :meth:`extract_feat` then
      skips the backbone.
      The default ``ClsDataPreprocessor`` is replaced by its subclass
      ``FeatureAwareClsDataPreprocessor`` (same buffers), which passes such
      batches through. ``FeatureCacheHook`` produces them.
    * **Float32 features.** Backbone outputs reach the head as fp32 also under
      mixed precision (the losses and the prompt parameters stay fp32).
    * **Trainable-only checkpoints** (``save_trainable_only=True``, CoOp's
      practice): ``state_dict()`` leaves out the frozen towers (every submodule
      whose parameters all have ``requires_grad=False``: the image encoder, the text
      encoder), which are rebuilt from ``pretrained=`` in the config; loading such
      a checkpoint does not report those keys as missing. A checkpoint is then a
      few hundred kB instead of hundreds of MB. The weights of the frozen towers
      are *not* checked on load: build the model with the same ``pretrained=``.

    Args:
        save_trainable_only: see above.
        Others: as ``mmpretrain.models.ImageClassifier``.
    """

    def __init__(self,
                 backbone: dict,
                 neck: Optional[dict] = None,
                 head: Optional[dict] = None,
                 pretrained: Optional[str] = None,
                 train_cfg: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None,
                 save_trainable_only: bool = False) -> None:
        super().__init__(backbone=backbone, neck=neck, head=head, pretrained=pretrained,
                         train_cfg=train_cfg,
                         data_preprocessor=feature_aware_preprocessor(data_preprocessor),
                         init_cfg=init_cfg)
        self.save_trainable_only = save_trainable_only
        self._register_state_dict_hook(_drop_frozen_state)
        self.register_load_state_dict_post_hook(_ignore_missing_frozen)

    def extract_feat(self, inputs, stage: str = 'neck') -> Tuple[torch.Tensor, ...]:
        """Backbone (+ neck) features of images, or the cached features as they are."""
        if is_feature_inputs(inputs):
            return cached_features(inputs, self.neck if self.with_neck else None, stage)
        feats = super().extract_feat(inputs, stage)
        if isinstance(feats, tuple):
            feats = tuple(f.float() if torch.is_floating_point(f) else f for f in feats)
        return feats

    def frozen_state_prefixes(self) -> List[str]:
        """State-dict prefixes left out of trainable-only checkpoints."""
        return frozen_prefixes(self)


def _drop_frozen_state(module: CLIPPromptClassifier, state_dict: dict, prefix: str,
                       local_metadata: dict) -> None:
    if not module.save_trainable_only:
        return
    frozen = [prefix + p for p in module.frozen_state_prefixes()]
    for key in [k for k in state_dict if k.startswith(prefix) and _under(k, frozen)]:
        del state_dict[key]


def _ignore_missing_frozen(module: CLIPPromptClassifier, incompatible_keys) -> None:
    """Keys of frozen towers absent from a trainable-only checkpoint are expected."""
    if not module.save_trainable_only:
        return
    frozen = module.frozen_state_prefixes()
    missing = incompatible_keys.missing_keys
    # keys carry a model wrapper's ``module.`` prefix when loaded through one
    missing[:] = [k for k in missing if not _under(_unwrap_key(k), frozen)]


def _unwrap_key(key: str) -> str:
    while key.startswith('module.'):
        key = key[len('module.'):]
    return key
