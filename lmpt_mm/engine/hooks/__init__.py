"""Runner hooks. ``FeatureCacheHook`` lives with the feature cache
(:mod:`lmpt_mm.engine.feature_cache`) and is re-exported here."""
from ..feature_cache.hook import FeatureCacheHook
from .atomic_checkpoint_hook import AtomicCheckpointHook
from .class_list_check_hook import ClassListCheckHook
from .class_stats_hook import ClassStatsHook
from .ema_from_start_hook import EMAFromStartHook
from .eval_images_check_hook import EvalImagesCheckHook
from .epoch_seed_hook import EpochSeedHook, epoch_seed
from .evaluation_record_hook import EvaluationRecordHook
from .freeze_modules_hook import FreezeModulesHook, trainable_parameter_counts
from .non_finite_loss_hook import NonFiniteLossHook
from .safe_checkpoint_hook import SafeCheckpointHook
from .strict_load_hook import StrictCheckpointLoadHook

__all__ = ['AtomicCheckpointHook', 'ClassListCheckHook', 'ClassStatsHook',
           'EMAFromStartHook', 'EpochSeedHook', 'EvalImagesCheckHook',
           'EvaluationRecordHook', 'FeatureCacheHook',
           'FreezeModulesHook', 'NonFiniteLossHook', 'SafeCheckpointHook',
           'StrictCheckpointLoadHook', 'epoch_seed', 'trainable_parameter_counts']
