from .class_stats_hook import ClassStatsHook
from .epoch_seed_hook import EpochSeedHook, epoch_seed
from .safe_checkpoint_hook import SafeCheckpointHook

__all__ = ['ClassStatsHook', 'EpochSeedHook', 'SafeCheckpointHook', 'epoch_seed']
