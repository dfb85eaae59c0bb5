"""Prompt learners and hand-written prompt templates."""
from .conditional_prompt_learner import ConditionalPromptLearner
from .prompt_learner import PromptLearner
from .templates import SINGLE_TEMPLATE, resolve_templates

__all__ = ['ConditionalPromptLearner', 'PromptLearner', 'SINGLE_TEMPLATE', 'resolve_templates']
