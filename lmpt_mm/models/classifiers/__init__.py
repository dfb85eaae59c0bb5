"""Classifiers.

:class:`CLIPPromptClassifier` is MMPretrain's ``ImageClassifier(backbone=
CLIPImageEncoder(...), head=<CLIP prompt head>)`` plus cached-feature inputs (the
frozen-encoder feature cache, ``FeatureCacheHook``), fp32 features under mixed
precision and optional trainable-only checkpoints. Plain ``ImageClassifier`` still
composes the CLIP models (no feature cache then). The frozen parts keep themselves
in eval mode (``CLIPImageEncoder.train`` / ``CLIPPromptHead.train``) and their
parameters never require grad, so no optimizer state is created for them.
"""
from .clip_prompt_classifier import CLIPPromptClassifier, frozen_prefixes
from .feature_inputs import (FEATS_KEY, LOCAL_FEATS_KEY, FeatureAwareClsDataPreprocessor,
                             feature_tuple, is_feature_inputs)

__all__ = ['CLIPPromptClassifier', 'FEATS_KEY', 'FeatureAwareClsDataPreprocessor',
           'LOCAL_FEATS_KEY', 'feature_tuple', 'frozen_prefixes', 'is_feature_inputs']
