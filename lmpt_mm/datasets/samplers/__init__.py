"""Data samplers (registered into ``mmpretrain.registry.DATA_SAMPLERS``)."""
from .class_aware_sampler import ClassAwareSampler

__all__ = ['ClassAwareSampler']
