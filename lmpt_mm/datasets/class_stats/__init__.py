"""Class statistics of a train split: one home for computing, checking, reading and
exporting them.

* :mod:`.counts` - from the label matrix ``[N, C]``: ``class_freq``,
  ``neg_class_freq``, head/medium/tail groups, co-occurrence ``P(j | i)``, the
  dataset ``metainfo`` entries;
* :mod:`.checks` - validation of per-class count vectors (the losses' input) and
  the choice between a ``stats_file`` and the train split when they disagree;
* :mod:`.files` - ``stats_file`` reading (JSON, or the DB-loss code's pickle through
  a restricted unpickler);
* :mod:`.export` - table, JSON, bar chart and DB-loss pickle of a split
  (``tools/dataset_stats.py``).

:class:`~lmpt_mm.engine.hooks.ClassStatsHook` hands the train split's statistics to
the model; the long-tailed losses validate theirs here.
"""
from .checks import (STATS_HELP, StatsLike, as_count_tensor, check_class_stats,
                     choose_class_stats, clamp_counts)
from .counts import (GROUP_NAMES, class_freq, class_groups, class_stats_metainfo,
                     condition_prob, db_loss_stats, group_of_classes, label_matrix,
                     neg_class_freq, stats_from_metainfo)
from .export import (compute_split_stats, export_class_stats, format_stats_table,
                     plot_class_freq, stats_to_json)
from .files import StatsUnpickler, load_class_stats, read_stats_pickle, resolve_class_stats

__all__ = [
    'GROUP_NAMES', 'label_matrix', 'class_freq', 'neg_class_freq', 'class_groups',
    'group_of_classes', 'condition_prob', 'db_loss_stats', 'class_stats_metainfo',
    'stats_from_metainfo', 'StatsLike', 'STATS_HELP', 'as_count_tensor',
    'check_class_stats', 'clamp_counts', 'choose_class_stats', 'StatsUnpickler',
    'read_stats_pickle', 'load_class_stats', 'resolve_class_stats', 'compute_split_stats',
    'format_stats_table', 'stats_to_json', 'plot_class_freq', 'export_class_stats'
]
