"""Frozen-image-feature cache: encode each training image once per augmentation view.

See ``docs/benchmark.md`` and :class:`lmpt_mm.engine.hooks.FeatureCacheHook`.
"""
from .cache import CacheResult, build_feature_cache, frozen_backbone_reason
from .config import apply_feature_cache_cfg
from .dataset import CachedFeatureDataset, CachedFeatureLoader
from .encode import encode_dataset, encode_views, merge_shares, rank_share, view_seed
from .key import cache_key, module_digest
from .views import ViewPlan, plan_views

__all__ = ['CacheResult', 'CachedFeatureDataset', 'CachedFeatureLoader', 'ViewPlan',
           'apply_feature_cache_cfg', 'build_feature_cache', 'cache_key', 'encode_dataset',
           'encode_views', 'frozen_backbone_reason', 'merge_shares', 'module_digest',
           'plan_views', 'rank_share', 'view_seed']
