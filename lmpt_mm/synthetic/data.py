"""Reading the offline world's list files and images for pretraining and zero-shot tests.

Pretraining runs outside a runner, so it does not build MMPretrain datasets; it reads the
very same files with the same readers and gives the same pixel values: PNGs decoded as
RGB, normalised with CLIP's statistics on [0, 1] - what ``LoadImageFromFile`` +
``data_preprocessor(mean=CLIP_MEAN*255, std=CLIP_STD*255, to_rgb=True)`` give.
"""
from __future__ import annotations

from pathlib import Path
from typing import List, Sequence, Tuple

import numpy as np
import torch
from PIL import Image
from tqdm import tqdm

from lmpt_mm.datasets.class_stats import label_matrix
from lmpt_mm.datasets.lt_annotations import read_caption_file, read_split_list
from lmpt_mm.models.clip.constants import CLIP_MEAN, CLIP_STD


def read_label_list(path: str | Path, num_classes: int) -> Tuple[List[str], np.ndarray]:
    """A split list ``<rel path> <id> ...`` -> paths and an ``(N, C)`` 0/1 int matrix
    (read and checked by :func:`~lmpt_mm.datasets.read_split_list`)."""
    records = read_split_list(path, num_classes)
    return [r.path for r in records], label_matrix([r.labels for r in records], num_classes)


def read_pairs(path: str | Path) -> List[Tuple[str, str]]:
    """A caption file ``<rel path> <caption words ...>`` -> (path, caption) pairs."""
    return [(r.path, r.caption) for r in read_caption_file(path)]


def load_images(root: str | Path, rels: Sequence[str], progress: bool = True,
                desc: str = 'loading images') -> torch.Tensor:
    """Decode images as RGB into one ``(N, H, W, 3)`` uint8 tensor (all same size)."""
    root = Path(root)
    arrays = []
    for rel in tqdm(rels, desc=desc, unit='img', disable=not progress, mininterval=1.0):
        p = root / rel
        if not p.is_file():
            raise FileNotFoundError(f'image {p} listed but missing')
        with Image.open(p) as im:
            arrays.append(np.asarray(im.convert('RGB')))
    shapes = {a.shape for a in arrays}
    if len(shapes) != 1:
        raise ValueError(f'images under {root} differ in size: {sorted(shapes)[:3]}')
    return torch.from_numpy(np.stack(arrays))


def to_model_input(images: torch.Tensor) -> torch.Tensor:
    """``(N, H, W, 3)`` uint8 RGB -> ``(N, 3, H, W)`` float, CLIP-normalised."""
    x = images.permute(0, 3, 1, 2).float().div_(255.0)
    mean = torch.tensor(CLIP_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(CLIP_STD).view(1, 3, 1, 1)
    return (x - mean) / std
