"""Losses: the Distribution-Balanced family (BCE / Focal / CB / DB / DB*), LMPT's
class-specific embedding loss, the asymmetric loss with a detachable focal weight,
LTML's two-branch loss and its logit-compensated BCE; pure functions plus registered modules."""
from lmpt_mm.datasets.class_stats import check_class_stats, load_class_stats

from .class_specific_embedding_loss import (ClassSpecificEmbeddingLoss,
                                            class_specific_embedding_loss,
                                            cse_margins_and_weights, feature_distance,
                                            token_distance)
from .collaborative_loss import collaborative_loss
from .detachable_asymmetric_loss import (DetachableAsymmetricLoss,
                                         asymmetric_loss_elementwise)
from .distribution_balanced_loss import (DBLossOptions, DistributionBalancedLoss,
                                         class_balanced_weight,
                                         db_star_scale, distribution_balanced_loss,
                                         inverse_freq_weight, ntr_bias, rebalance_weight)
from .feature_l1 import feature_l1_loss
from .logit_compensation import LogitCompensatedBCELoss, logit_compensated_bce

__all__ = [
    'DBLossOptions', 'DistributionBalancedLoss', 'distribution_balanced_loss',
    'rebalance_weight', 'ntr_bias', 'inverse_freq_weight',
    'class_balanced_weight', 'db_star_scale', 'ClassSpecificEmbeddingLoss',
    'class_specific_embedding_loss', 'cse_margins_and_weights',
    'feature_distance', 'token_distance', 'check_class_stats',
    'load_class_stats', 'feature_l1_loss', 'DetachableAsymmetricLoss',
    'asymmetric_loss_elementwise', 'collaborative_loss', 'LogitCompensatedBCELoss',
    'logit_compensated_bce'
]
