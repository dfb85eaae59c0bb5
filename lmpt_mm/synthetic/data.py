"""Reading the offline world's list files and images for pretraining and zero-shot tests.

Deliberately independent of the MMPretrain dataset classes (pretraining runs outside a
runner), but it reads the very same files, with the same pixel values: PNGs decoded as
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

CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)


def _lines(path: Path):
    if not path.is_file():
        raise FileNotFoundError(f'{path} not found (run tools/make_synthetic_lt.py first?)')
    for lineno, line in enumerate(path.read_text().splitlines(), 1):
        if line.strip():
            yield lineno, line.strip()


def read_class_names(path: str | Path) -> List[str]:
    """``<name> <id>`` lines with ids 0..C-1 -> names by id."""
    path = Path(path)
    names = {}
    for lineno, line in _lines(path):
        name, _, idx = line.rpartition(' ')
        if not name or not idx.isdigit():
            raise ValueError(f'{path}:{lineno}: expected "<name> <id>", got {line!r}')
        names[int(idx)] = name
    if sorted(names) != list(range(len(names))):
        raise ValueError(f'{path}: class ids must be 0..{len(names) - 1}, got {sorted(names)}')
    return [names[i] for i in range(len(names))]


def read_label_list(path: str | Path, num_classes: int) -> Tuple[List[str], np.ndarray]:
    """``<rel path> <id> ...`` lines -> paths and an ``(N, C)`` 0/1 int matrix."""
    path = Path(path)
    rels, rows = [], []
    for lineno, line in _lines(path):
        rel, *ids = line.split()
        row = np.zeros(num_classes, dtype=np.int64)
        for tok in ids:
            if not tok.isdigit() or int(tok) >= num_classes:
                raise ValueError(f'{path}:{lineno}: label {tok!r} is not an id in '
                                 f'0..{num_classes - 1}')
            row[int(tok)] = 1
        rels.append(rel)
        rows.append(row)
    return rels, np.stack(rows)


def read_pairs(path: str | Path) -> List[Tuple[str, str]]:
    """``<rel path> <caption words ...>`` lines -> (path, caption) pairs."""
    path = Path(path)
    pairs = []
    for lineno, line in _lines(path):
        rel, _, caption = line.partition(' ')
        if not caption.strip():
            raise ValueError(f'{path}:{lineno}: image {rel!r} has no caption')
        pairs.append((rel, caption.strip()))
    return pairs


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
