"""Data samplers (registered into ``mmpretrain.registry.DATA_SAMPLERS``)."""
from .class_aware_sampler import ClassAwareSampler
from .paired_sampler import UniformClassAwarePairSampler

__all__ = ['ClassAwareSampler', 'UniformClassAwarePairSampler']
