"""Models: CLIP encoders, prompt learners, heads, losses and classifiers."""
from . import backbones, classifiers, clip, heads, hpdval, losses, ltml, prompt  # noqa: F401

__all__ = ['backbones', 'classifiers', 'clip', 'heads', 'hpdval', 'losses', 'ltml', 'prompt']
