"""Prompt learners and hand-written prompt templates."""
from .prompt_learner import PromptLearner
from .templates import SINGLE_TEMPLATE, resolve_templates

__all__ = ['PromptLearner', 'SINGLE_TEMPLATE', 'resolve_templates']
