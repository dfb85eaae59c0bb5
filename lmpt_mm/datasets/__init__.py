"""Long-tailed multi-label datasets, their statistics and samplers."""
from .class_stats import (class_freq, class_groups, class_stats_metainfo, condition_prob,
                          db_loss_stats, label_matrix, load_class_stats, neg_class_freq)
from .lt_annotations import (align_captions, read_caption_file,
                             read_label_file, read_split_list)
from .lt_multilabel import COCOLT, VOCLT, LTMultiLabelDataset
from .samplers import ClassAwareSampler, UniformClassAwarePairSampler
from .fewshot import (COCO2014FewShot, FewShotCSVDataset, VOC2007FewShot, read_coco_instances,
                      read_fewshot_csv)

__all__ = [
    'LTMultiLabelDataset', 'VOCLT', 'COCOLT', 'ClassAwareSampler',
    'UniformClassAwarePairSampler',
    'read_label_file', 'read_split_list', 'read_caption_file',
    'align_captions', 'label_matrix', 'class_freq', 'neg_class_freq',
    'class_groups', 'condition_prob', 'db_loss_stats', 'class_stats_metainfo',
    'load_class_stats',
    'FewShotCSVDataset', 'VOC2007FewShot', 'COCO2014FewShot', 'read_fewshot_csv',
    'read_coco_instances'
]
