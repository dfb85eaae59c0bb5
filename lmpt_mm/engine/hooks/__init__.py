from .class_stats_hook import ClassStatsHook
from .epoch_seed_hook import EpochSeedHook, epoch_seed
from .feature_cache_hook import FeatureCacheHook
from .safe_checkpoint_hook import SafeCheckpointHook

__all__ = ['ClassStatsHook', 'EpochSeedHook', 'FeatureCacheHook', 'SafeCheckpointHook',
           'epoch_seed']
