"""Utilities: safe checkpoint loading and run helpers."""
from .safe_checkpoint import (allow_unsafe_checkpoint_load, from_weights_only_tree,
                              load_local_checkpoint, to_weights_only_tree,
                              unsafe_checkpoint_load_allowed)

__all__ = ['allow_unsafe_checkpoint_load', 'from_weights_only_tree',
           'load_local_checkpoint', 'to_weights_only_tree',
           'unsafe_checkpoint_load_allowed']
