"""Rendering one offline-world image: silhouettes on a noisy background, and what a
caption may say about each object (colour, size, position)."""
from typing import List, Sequence, Tuple

import numpy as np

from .captions import ObjectMention
from .catalogue import BACKGROUNDS, CLASSES, DETAIL_COLOUR, MIN_CONTRAST, PALETTE
from .shapes import render_masks


def _position_word(cx: float, cy: float, size: int) -> str:
    col = 'left' if cx < size / 3 else 'right' if cx > 2 * size / 3 else ''
    row = 'top' if cy < size / 3 else 'bottom' if cy > 2 * size / 3 else ''
    if row and col:
        return f'in the {row} {col}'
    if col:
        return f'on the {col}'
    if row:
        return f'at the {row}'
    return 'in the middle'


SIZE_RANGES = {1: (13, 19), 2: (11, 16), 3: (9, 14), 4: (9, 13)}


def _size_word(h: int, lo: int, hi: int) -> str:
    if h <= lo + (hi - lo) // 4:
        return 'small'
    if h >= hi - (hi - lo) // 4:
        return 'big'
    return ''


def _overlap(a, b) -> float:
    """Intersection over the smaller box's area; boxes are (x, y, w, h)."""
    ix = max(0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    return ix * iy / min(a[2] * a[3], b[2] * b[3])


def render_image(labels: Sequence[int], rng: np.random.Generator, size: int = 32,
                 typical_colour_prob: float = .7
                 ) -> Tuple[np.ndarray, List[ObjectMention], str]:
    """Draw one image holding one object of each class in ``labels``.

    Returns the ``(size, size, 3)`` uint8 RGB image, what captions may say about each
    object, and the background's word.
    """
    colour_names = list(PALETTE)
    colours = []
    for c in labels:
        typical = CLASSES[c].colour
        colours.append(typical if rng.random() < typical_colour_prob
                       else colour_names[rng.integers(len(colour_names))])
    # a background far enough from every object colour (best of a few tries)
    bg_names = list(BACKGROUNDS)
    best = None
    for _ in range(12):
        name = bg_names[rng.integers(len(bg_names))]
        base = np.asarray(BACKGROUNDS[name], float) + rng.uniform(-15, 15, 3)
        contrast = min(np.linalg.norm(base - PALETTE[col]) for col in colours)
        if best is None or contrast > best[0]:
            best = (contrast, name, base)
        if contrast >= MIN_CONTRAST:
            break
    _, bg_name, base = best
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) / (size - 1)
    if rng.random() < .5:  # linear gradient towards a shifted shade
        angle = rng.uniform(0, 2 * np.pi)
        t = (np.cos(angle) * (xx - .5) + np.sin(angle) * (yy - .5))[..., None]
        img = base + t * rng.uniform(-45, 45, 3)
    else:
        img = np.broadcast_to(base, (size, size, 3)).copy()

    lo, hi = SIZE_RANGES[min(len(labels), 4)]
    boxes: List[Tuple[int, int, int, int]] = []
    mentions: List[ObjectMention] = []
    for c, col in zip(labels, colours):
        cls = CLASSES[c]
        h = int(rng.integers(lo, hi + 1))
        main, detail = render_masks(cls.shape, h, flip=bool(rng.random() < .5))
        while main.shape[1] > size - 2:  # wide shapes must fit
            h -= 1
            main, detail = render_masks(cls.shape, h, flip=bool(rng.random() < .5))
        w = main.shape[1]
        box, best_ov = None, np.inf
        for _ in range(40):
            x = int(rng.integers(-1, size - w + 2))
            y = int(rng.integers(-1, size - h + 2))
            ov = max((_overlap((x, y, w, h), b) for b in boxes), default=0.0)
            if ov < best_ov:
                box, best_ov = (x, y, w, h), ov
            if ov <= .1:
                break
        x, y, _, _ = box
        boxes.append(box)
        # paste with clipping at the borders
        x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + w, size), min(y + h, size)
        sl = (slice(y0 - y, y1 - y), slice(x0 - x, x1 - x))
        colour = np.asarray(PALETTE[col], float) + rng.uniform(-12, 12, 3)
        region = img[y0:y1, x0:x1]
        for mask, rgb in ((main[sl], colour), (detail[sl], np.asarray(DETAIL_COLOUR, float))):
            a = mask[..., None]
            region[:] = region * (1 - a) + rgb * a
        mentions.append(ObjectMention(
            name=cls.name, synonyms=cls.synonyms, colour=col, size=_size_word(h, lo, hi),
            position=_position_word(x + w / 2, y + h / 2, size)))
    img = img + rng.normal(0, rng.uniform(2, 8), img.shape)
    return np.clip(np.rint(img), 0, 255).astype(np.uint8), mentions, bg_name
