"""Models, filed by component as in MMPretrain: backbones/, necks/, heads/, losses/,
classifiers/; clip/ (open_clip loading, the text encoder) and prompt/ (prompt learners,
templates) are the parts the CLIP components share."""
from . import backbones, classifiers, clip, heads, losses, necks, prompt  # noqa: F401

__all__ = ['backbones', 'classifiers', 'clip', 'heads', 'losses', 'necks', 'prompt']
