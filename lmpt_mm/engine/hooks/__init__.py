from .class_stats_hook import ClassStatsHook
from .epoch_seed_hook import EpochSeedHook, epoch_seed
from .feature_cache_hook import FeatureCacheHook
from .freeze_modules_hook import FreezeModulesHook, trainable_parameter_counts
from .safe_checkpoint_hook import SafeCheckpointHook

__all__ = ['ClassStatsHook', 'EpochSeedHook', 'FeatureCacheHook', 'FreezeModulesHook',
           'SafeCheckpointHook', 'epoch_seed', 'trainable_parameter_counts']
