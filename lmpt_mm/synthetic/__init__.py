"""The offline world: synthetic long-tailed multi-label data and a small CLIP trained on it.

Nothing here is registered (no config refers to it); tools import it directly.
"""
from .catalogue import CLASS_NAMES, CLASSES
from .world import VOC_LT_CLASS_FREQ, WorldConfig, generate_world

__all__ = ['CLASS_NAMES', 'CLASSES', 'VOC_LT_CLASS_FREQ', 'WorldConfig', 'generate_world']
