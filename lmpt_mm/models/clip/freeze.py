"""Freezing helpers for the CLIP towers."""
from torch import nn


def freeze_module(module: nn.Module) -> nn.Module:
    """Put ``module`` in eval mode and turn off gradients of all its parameters.

    Freezing goes through the module object, never through parameter-name
    patterns, so a renamed sub-module cannot silently stay trainable.
    """
    module.eval()
    for param in module.parameters():
        param.requires_grad_(False)
    return module
