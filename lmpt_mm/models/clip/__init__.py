"""CLIP model loading through open_clip, plus lmpt_mm's own small model configs."""
from pathlib import Path

import open_clip

MODEL_CONFIG_DIR = Path(__file__).with_name('model_configs')
# Makes `lmpt-tiny-vit`, `lmpt-tiny-rn`, ... valid open_clip model names.
open_clip.add_model_config(MODEL_CONFIG_DIR)

from .constants import CLIP_MEAN, CLIP_MEAN_255, CLIP_STD, CLIP_STD_255  # noqa: E402
from .freeze import freeze_module  # noqa: E402
from .loader import (RANDOM_INIT_SEED, clear_clip_cache, copy_visual_tower,  # noqa: E402
                     load_clip, read_state_dict)
from .text_encoder import CLIPTextEncoder  # noqa: E402

__all__ = [
    'MODEL_CONFIG_DIR', 'CLIP_MEAN', 'CLIP_STD', 'CLIP_MEAN_255', 'CLIP_STD_255',
    'freeze_module', 'load_clip', 'read_state_dict', 'clear_clip_cache',
    'copy_visual_tower', 'RANDOM_INIT_SEED', 'CLIPTextEncoder'
]
