"""LTML: collaborative training of two branches on uniform and re-balanced samplings.

Guo and Wang, "Long-Tailed Multi-Label Visual Recognition by Collaborative Training on
Uniform and Re-balanced Samplings" (CVPR 2021): :class:`LTMLHead` (two last-stage
branches on a shared ResNet trunk), trained with
:func:`~lmpt_mm.models.losses.collaborative_loss` on the batches of
:class:`~lmpt_mm.datasets.samplers.UniformClassAwarePairSampler`.
"""
from .ltml_head import LTMLHead

__all__ = ['LTMLHead']
