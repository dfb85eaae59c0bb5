"""Evaluation: tie-correct per-class AP and head / medium / tail mAP."""
from .group_ap_metric import GroupAveragePrecision, protocol_scores
from .group_map import average_precision, group_map
from .logit_ap_metric import LogitAveragePrecision

__all__ = [
    'GroupAveragePrecision', 'average_precision', 'group_map',
    'protocol_scores', 'LogitAveragePrecision'
]
