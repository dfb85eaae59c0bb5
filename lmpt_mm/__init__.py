"""lmpt_mm: long-tailed multi-label prompt tuning as an MMPretrain plugin.

Importing the package registers every component into MMPretrain's registries
(scope ``mmpretrain``); configs load it with
``custom_imports = dict(imports=['lmpt_mm'], allow_failed_imports=False)``.
"""
from . import datasets, engine, evaluation, models, utils  # noqa: F401

__version__ = '0.1.0'
__all__ = ['datasets', 'engine', 'evaluation', 'models', 'utils', '__version__']
