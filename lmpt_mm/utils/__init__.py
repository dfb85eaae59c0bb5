"""Leaf utilities (import nothing else from lmpt_mm): logging and tensor memos."""
from .logging import warn_once
from .tensor_memo import TensorMemo

__all__ = ['TensorMemo', 'warn_once']
