"""Runner-side components: hooks, model wrappers and config preparation."""
from . import feature_cache  # noqa: F401
from .hooks import (ClassStatsHook, EpochSeedHook, FeatureCacheHook, SafeCheckpointHook,
                    epoch_seed)
from .model_wrappers import DeviceAgnosticDDP
from .one_cycle import OneCycleLRFromOptimizer, OneCycleMomentum, one_cycle_momentum

__all__ = ['ClassStatsHook', 'DeviceAgnosticDDP', 'EpochSeedHook', 'FeatureCacheHook',
           'OneCycleLRFromOptimizer', 'OneCycleMomentum', 'SafeCheckpointHook', 'epoch_seed',
           'feature_cache', 'one_cycle_momentum']
