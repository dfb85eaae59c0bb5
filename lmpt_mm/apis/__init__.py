"""User-facing inference APIs built on MMPretrain's inferencers."""
from .multi_label_inferencer import (ImagePrediction, MultiLabelInferencer,
                                     format_prediction, select_labels)

__all__ = ['MultiLabelInferencer', 'ImagePrediction', 'select_labels',
           'format_prediction']
