"""Backbones: CLIP's frozen image encoder."""
from .clip_image_encoder import (CLIPImageEncoder, resnet_global_and_local,
                                 vit_global_and_local)

__all__ = ['CLIPImageEncoder', 'vit_global_and_local', 'resnet_global_and_local']
