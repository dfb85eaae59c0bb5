"""Frozen-image-feature cache: encode each training image once per augmentation view.

One package for the whole path: the cache key (:mod:`.key`), the augmentation views
(:mod:`.views`), encoding (:mod:`.encode`), storage and loading (:mod:`.cache`), the
dataset and loader of cached features (:mod:`.dataset`), the hook that switches a run
to them (:class:`FeatureCacheHook`, :mod:`.hook`; the ``feature_cache = dict(...)``
switch in :mod:`.config`), and the model side: the cached-input batch format
(:mod:`.inputs`, used by ``CLIPPromptClassifier.extract_feat``) and
:class:`FeatureAwareClsDataPreprocessor` (:mod:`.preprocessor`). See
``docs/benchmark.md``.
"""
from .cache import CacheResult, build_feature_cache, frozen_backbone_reason
from .config import apply_feature_cache_cfg
from .dataset import CachedFeatureDataset, CachedFeatureLoader
from .encode import encode_dataset, encode_views, merge_shares, rank_share, view_seed
from .hook import FeatureCacheHook
from .inputs import (FEATS_KEY, LOCAL_FEATS_KEY, cached_features, feature_tuple,
                     is_feature_inputs, stack_features)
from .key import cache_key, module_digest
from .preprocessor import FeatureAwareClsDataPreprocessor, feature_aware_preprocessor
from .views import ViewPlan, plan_views

__all__ = ['CacheResult', 'CachedFeatureDataset', 'CachedFeatureLoader', 'FEATS_KEY',
           'FeatureAwareClsDataPreprocessor', 'FeatureCacheHook', 'LOCAL_FEATS_KEY',
           'ViewPlan', 'apply_feature_cache_cfg', 'build_feature_cache', 'cache_key',
           'cached_features', 'encode_dataset', 'encode_views', 'feature_aware_preprocessor',
           'feature_tuple', 'frozen_backbone_reason', 'is_feature_inputs', 'merge_shares',
           'module_digest', 'plan_views', 'rank_share', 'stack_features', 'view_seed']
