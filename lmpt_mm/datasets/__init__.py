"""Long-tailed multi-label datasets, their statistics and samplers."""
from .class_stats import (class_freq, class_groups, class_stats_metainfo,
                          condition_prob, db_loss_stats, label_matrix,
                          neg_class_freq)
from .lt_annotations import (align_captions, read_caption_file,
                             read_label_file, read_split_list)
from .lt_multilabel import COCOLT, VOCLT, LTMultiLabelDataset
from .samplers import ClassAwareSampler

__all__ = [
    'LTMultiLabelDataset', 'VOCLT', 'COCOLT', 'ClassAwareSampler',
    'read_label_file', 'read_split_list', 'read_caption_file',
    'align_captions', 'label_matrix', 'class_freq', 'neg_class_freq',
    'class_groups', 'condition_prob', 'db_loss_stats', 'class_stats_metainfo'
]
