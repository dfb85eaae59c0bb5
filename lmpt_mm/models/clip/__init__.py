"""CLIP model loading through open_clip, plus lmpt_mm's own small model configs."""
from pathlib import Path

import open_clip

MODEL_CONFIG_DIR = Path(__file__).with_name('model_configs')
# Makes `lmpt-tiny-vit`, `lmpt-tiny-rn`, ... valid open_clip model names.
open_clip.add_model_config(MODEL_CONFIG_DIR)

__all__ = ['MODEL_CONFIG_DIR']
