"""Logging helpers shared by the package (a leaf: imports nothing from lmpt_mm)."""
import logging

from mmengine.logging import print_log

_warned: set = set()


def warn_once(msg: str) -> None:
    """Log ``msg`` as a warning through MMLogger the first time it is seen."""
    if msg not in _warned:
        _warned.add(msg)
        print_log(msg, logger='current', level=logging.WARNING)
