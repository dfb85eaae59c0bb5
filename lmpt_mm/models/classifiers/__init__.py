"""Classifiers.

:class:`CLIPPromptClassifier` is MMPretrain's ``ImageClassifier(backbone=
CLIPImageEncoder(...), head=<CLIP prompt head>)`` plus cached-feature inputs (the
frozen-encoder feature cache, :mod:`lmpt_mm.engine.feature_cache`), fp32 features under
mixed precision and optional trainable-only checkpoints. Plain ``ImageClassifier`` still
composes the CLIP models (no feature cache then). The frozen parts keep themselves
in eval mode (``CLIPImageEncoder.train`` / ``CLIPPromptHead.train``) and their
parameters never require grad, so no optimizer state is created for them.
"""
from .clip_prompt_classifier import CLIPPromptClassifier, frozen_prefixes
from .hpdval_classifier import HPDVALClassifier, renormalize

__all__ = ['CLIPPromptClassifier', 'HPDVALClassifier', 'frozen_prefixes', 'renormalize']
