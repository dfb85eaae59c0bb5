"""Runner-side components: hooks, model wrappers and config preparation."""
from .hooks import ClassStatsHook, EpochSeedHook, SafeCheckpointHook, epoch_seed
from .model_wrappers import DeviceAgnosticDDP

__all__ = ['ClassStatsHook', 'DeviceAgnosticDDP', 'EpochSeedHook',
           'SafeCheckpointHook', 'epoch_seed']
