"""Necks: HP-DVAL's dual-view embedding neck (stage 1's student projection)."""
from .dual_view_embedding_neck import DualViewEmbeddingNeck, split_views

__all__ = ['DualViewEmbeddingNeck', 'split_views']
