"""The offline world: a synthetic long-tailed multi-label benchmark in VOC-LT's formats.

Twenty object classes with ordinary English names (each one CLIP BPE token), each
drawn as a distinct silhouette (:mod:`.shapes`) whose colour is the class's typical
colour 70% of the time and any palette colour otherwise, 1-4 objects per 32-pixel
image on a noisy flat or gradient background. The class is what captions name: colour,
size and position are attributes varied independently of it.

Splits (``generate_world`` writes them under ``out_dir``; formats of
the VOC-LT annotation formats of Wu et al., ECCV 2020, as used by LMPT; paths relative
to ``out_dir``):

- ``lt_train.txt`` / ``lt_captions.txt``: per-class image counts exactly equal to
  ``train_class_freq`` (VOC-LT's by default, 1,142 images, head/medium/tail = 6/6/8);
  captions name some (not always all) objects, with synonyms and attributes.
- ``lt_test.txt``: every class in exactly ``test_per_class`` images (not long-tailed).
- ``lt_val.txt``: the validation split, drawn like the test split (every class in
  exactly ``val_per_class`` images, same object-count distribution and renderer) from
  its own seed stream, so its images are disjoint from every other split's. Every
  choice (sweeps, ablations) is made on it; the test split is touched once per final
  configuration.
- ``pretrain_corpus.txt``: a separate, class-balanced image-caption corpus,
  ``captions_per_image`` lines per image, no image shared with the splits.

Label sets are realised exactly (greedy bipartite construction, then degree-preserving
swaps to remove the greedy's structure); every image is rendered from its own seeded
generator, so output bytes depend only on the configuration.
"""
from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from PIL import Image
from tqdm import tqdm

from .captions import ObjectMention, make_caption
from .shapes import render_masks

WORLD_VERSION = 2  # 2: the validation split

#: VOC-LT train class frequencies (Wu et al., ECCV 2020), indexed by class id.
VOC_LT_CLASS_FREQ: Tuple[int, ...] = (6, 34, 8, 14, 154, 17, 249, 29, 479, 4, 240, 48,
                                      11, 20, 775, 100, 5, 82, 7, 64)
VOC_LT_NUM_TRAIN = 1142


@dataclass(frozen=True)
class ObjectClass:
    name: str                     # written to labels.txt; one BPE token
    shape: str                    # key of shapes.SHAPES
    colour: str                   # typical colour (key of PALETTE)
    synonyms: Tuple[str, ...] = ()


#: Class id = position. Typical colours repeat across classes on purpose: colour is a
#: cue, never the identity.
CLASSES: Tuple[ObjectClass, ...] = (
    ObjectClass('ball', 'ball', 'red', ('sphere',)),
    ObjectClass('ring', 'ring', 'yellow', ('hoop',)),
    ObjectClass('box', 'box', 'brown', ('crate', 'cube')),
    ObjectClass('kite', 'kite', 'purple'),
    ObjectClass('tent', 'tent', 'orange'),
    ObjectClass('star', 'star', 'yellow'),
    ObjectClass('heart', 'heart', 'pink'),
    ObjectClass('moon', 'moon', 'white', ('crescent',)),
    ObjectClass('cross', 'cross', 'blue', ('plus',)),
    ObjectClass('arrow', 'arrow', 'orange', ('pointer',)),
    ObjectClass('tree', 'tree', 'green', ('pine',)),
    ObjectClass('house', 'house', 'blue', ('home', 'cottage')),
    ObjectClass('egg', 'egg', 'white', ('oval',)),
    ObjectClass('umbrella', 'umbrella', 'purple'),
    ObjectClass('flag', 'flag', 'red', ('banner',)),
    ObjectClass('fish', 'fish', 'blue'),
    ObjectClass('door', 'door', 'brown', ('doorway',)),
    ObjectClass('table', 'table', 'brown', ('desk',)),
    ObjectClass('bone', 'bone', 'white'),
    ObjectClass('cloud', 'cloud', 'gray'),
)
CLASS_NAMES: Tuple[str, ...] = tuple(c.name for c in CLASSES)

PALETTE: Dict[str, Tuple[int, int, int]] = {
    'red': (215, 35, 35), 'orange': (245, 135, 25), 'yellow': (240, 215, 35),
    'green': (35, 165, 55), 'blue': (35, 75, 215), 'purple': (135, 55, 185),
    'pink': (245, 125, 185), 'brown': (125, 75, 35), 'white': (245, 245, 245),
    'black': (20, 20, 20), 'gray': (135, 135, 135),
}
#: Muted backgrounds with the word captions use for them.
BACKGROUNDS: Dict[str, Tuple[int, int, int]] = {
    'gray': (115, 115, 115), 'dark': (45, 45, 50), 'light': (205, 205, 200),
    'beige': (200, 185, 150), 'teal': (55, 120, 120), 'navy': (35, 40, 90),
    'olive': (105, 105, 55), 'sand': (170, 150, 110), 'mint': (160, 200, 175),
    'lilac': (185, 165, 200),
}
DETAIL_COLOUR = (70, 45, 25)  # trunks, poles, handles
MIN_CONTRAST = 95.0           # RGB distance between an object colour and its background

# A split's code seeds its generators: adding 'val' (4) leaves the other splits' bytes
# unchanged.
SPLIT_CODES = {'train': 1, 'test': 2, 'pretrain': 3, 'val': 4}
#: The list file of each evaluated split.
SPLIT_FILES = {'train': 'lt_train.txt', 'val': 'lt_val.txt', 'test': 'lt_test.txt'}


@dataclass
class WorldConfig:
    """Sizes of the world. ``scale`` shrinks test/pretrain (and ``train_scale`` train)."""
    seed: int = 0
    image_size: int = 32
    train_class_freq: Tuple[int, ...] = VOC_LT_CLASS_FREQ
    train_num_images: int = VOC_LT_NUM_TRAIN
    test_per_class: int = 60
    val_per_class: int = 60
    pretrain_per_class: int = 1500
    captions_per_image: int = 3
    # P(k objects), k = 1..4, for the test split and the corpus (train's mean is fixed
    # by its counts); the corpus holds more single objects, the easiest lessons
    objects_probs: Tuple[float, ...] = (.3, .3, .25, .15)
    pretrain_objects_probs: Tuple[float, ...] = (.4, .3, .2, .1)
    # P(a caption names every object). Partial captions matter for zero-shot
    # multi-label use: when captions always list every object, the text embedding
    # learns to encode the object count, and a one-noun prompt then prefers
    # one-object images over the images that hold that noun (probe: zero-shot mAP
    # 28.8 at 0.85 vs 36.3 at 0.4, same model and steps).
    train_mention_all_prob: float = .5
    pretrain_mention_all_prob: float = .4
    typical_colour_prob: float = .7

    @classmethod
    def scaled(cls, scale: float = 1.0, train_scale: float = 1.0, **kwargs) -> 'WorldConfig':
        """Default sizes times ``scale`` (test, pretrain) and ``train_scale`` (train)."""
        if scale <= 0 or train_scale <= 0:
            raise ValueError(f'scale and train_scale must be > 0, got {scale}, {train_scale}')
        cfg = cls(**kwargs)
        cfg.test_per_class = max(1, round(cfg.test_per_class * scale))
        cfg.val_per_class = max(1, round(cfg.val_per_class * scale))
        cfg.pretrain_per_class = max(1, round(cfg.pretrain_per_class * scale))
        if train_scale != 1.0:
            cfg.train_class_freq = tuple(max(1, round(c * train_scale))
                                         for c in cfg.train_class_freq)
            cfg.train_num_images = max(max(cfg.train_class_freq),
                                       round(cfg.train_num_images * train_scale))
        return cfg

    def to_dict(self) -> dict:
        d = dataclasses.asdict(self)
        return {k: list(v) if isinstance(v, tuple) else v for k, v in d.items()}


# --------------------------------------------------------------------------- labels
def objects_per_image(total: int, num_images: int, probs: Sequence[float],
                      rng: np.random.Generator, max_objects: int = 4) -> np.ndarray:
    """Object counts ``k_i`` in [1, max_objects] drawn from ``probs`` and nudged so
    that ``sum(k_i) == total``."""
    if not num_images <= total <= max_objects * num_images:
        raise ValueError(f'{total} labels cannot fill {num_images} images with '
                         f'1..{max_objects} objects each')
    p = np.asarray(probs, dtype=float)[:max_objects]
    k = rng.choice(np.arange(1, len(p) + 1), size=num_images, p=p / p.sum())
    while (diff := total - int(k.sum())) != 0:
        movable = np.flatnonzero(k < max_objects) if diff > 0 else np.flatnonzero(k > 1)
        pick = rng.choice(movable, size=min(abs(diff), len(movable)), replace=False)
        k[pick] += 1 if diff > 0 else -1
    return k


def realize_label_sets(class_counts: Sequence[int], capacities: Sequence[int],
                       rng: np.random.Generator, swaps_per_label: int = 5
                       ) -> List[List[int]]:
    """Label sets with exactly ``class_counts[c]`` images holding class ``c`` and
    exactly ``capacities[i]`` distinct classes in image ``i``.

    Greedy construction (each class, largest first, goes to the images with the most
    free slots, ties broken at random; this succeeds whenever the two degree sequences
    are realisable, Gale-Ryser), then ``swaps_per_label * total`` random swaps
    (image a loses x and gains y, image b the reverse) that keep both sequences fixed
    while decorrelating classes from image sizes.
    """
    counts = np.asarray(class_counts, dtype=int)
    free = np.asarray(capacities, dtype=int).copy()
    if counts.sum() != free.sum():
        raise ValueError(f'class counts sum to {counts.sum()} but image capacities '
                         f'to {free.sum()}')
    sets: List[set] = [set() for _ in range(len(free))]
    for c in np.argsort(-counts, kind='stable'):
        order = np.lexsort((rng.random(len(free)), -free))
        chosen = order[:counts[c]]
        if counts[c] and (len(chosen) < counts[c] or free[chosen[-1]] <= 0):
            raise ValueError(f'class {c} needs {counts[c]} images but only '
                             f'{int((free > 0).sum())} have room left')
        free[chosen] -= 1
        for i in chosen:
            sets[i].add(int(c))
    n, total = len(sets), int(counts.sum())
    lists = [sorted(s) for s in sets]
    for _ in range(swaps_per_label):
        pairs = rng.integers(n, size=(total, 2))
        picks = rng.random((total, 2))
        for (a, b), (u, v) in zip(pairs, picks):
            la, lb = lists[a], lists[b]
            x, y = la[int(u * len(la))], lb[int(v * len(lb))]
            if a == b or x == y or x in sets[b] or y in sets[a]:
                continue
            sets[a].remove(x), sets[a].add(y), sets[b].remove(y), sets[b].add(x)
            la[la.index(x)], lb[lb.index(y)] = y, x
    return [sorted(s) for s in sets]


def split_label_sets(split: str, cfg: WorldConfig) -> List[List[int]]:
    """The label sets of one split, deterministic in ``cfg``."""
    rng = np.random.default_rng([cfg.seed, SPLIT_CODES[split], 0])
    if split == 'train':
        counts = np.asarray(cfg.train_class_freq)
        n = cfg.train_num_images
        mean_k = counts.sum() / n
        # a spread of object counts around the mean the counts force
        probs = _probs_with_mean(mean_k)
    else:
        per_class = dict(test=cfg.test_per_class, val=cfg.val_per_class,
                         pretrain=cfg.pretrain_per_class)[split]
        counts = np.full(len(CLASSES), per_class)
        probs = np.asarray(cfg.pretrain_objects_probs if split == 'pretrain'
                           else cfg.objects_probs, dtype=float)
        mean_k = float((np.arange(1, len(probs) + 1) * probs).sum() / probs.sum())
        n = max(per_class, math.ceil(counts.sum() / mean_k))
    if len(counts) != len(CLASSES):
        raise ValueError(f'{split}: {len(counts)} class counts for {len(CLASSES)} classes')
    k = objects_per_image(int(counts.sum()), n, probs, rng)
    sets = realize_label_sets(counts, k, rng)
    order = rng.permutation(n)
    return [sets[i] for i in order]


def _probs_with_mean(mean: float) -> np.ndarray:
    """P(k), k = 1..4, geometric-like, with the given mean (1 <= mean <= 4)."""
    best, best_err = None, np.inf
    for r in np.linspace(.05, 3.0, 300):
        p = r ** np.arange(4)
        p /= p.sum()
        err = abs((p * np.arange(1, 5)).sum() - mean)
        if err < best_err:
            best, best_err = p, err
    return best


# ------------------------------------------------------------------------ rendering
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


# --------------------------------------------------------------------------- writing
def _rel(split: str, i: int) -> str:
    return f'images/{split}/{i:06d}.png'


def generate_world(out_dir: str | Path, cfg: Optional[WorldConfig] = None, *,
                   progress: bool = True, force: bool = False) -> dict:
    """Write the world under ``out_dir``; return its ``world.json`` record.

    Skips (and says so) when ``out_dir/world.json`` already records the same
    configuration and the list files exist, unless ``force``.
    """
    cfg = cfg or WorldConfig()
    out = Path(out_dir)
    meta_path = out / 'world.json'
    lists = ('labels.txt', 'lt_train.txt', 'lt_captions.txt', 'lt_val.txt',
             'lt_test.txt', 'pretrain_corpus.txt')
    if not force and meta_path.is_file() and all((out / f).is_file() for f in lists):
        old = json.loads(meta_path.read_text())
        if old.get('config') == cfg.to_dict() and old.get('version') == WORLD_VERSION:
            last = [out / _rel(s, n - 1) for s, n in old['num_images'].items()]
            if all(p.is_file() for p in last):
                print(f'[make_synthetic_lt] {out} already holds this world '
                      f'(seed {cfg.seed}); skipped. Use --force to rewrite.')
                return old
    labels = {s: split_label_sets(s, cfg) for s in ('train', 'val', 'test', 'pretrain')}
    for s in labels:
        (out / 'images' / s).mkdir(parents=True, exist_ok=True)
    (out / 'labels.txt').write_text(
        ''.join(f'{name} {i}\n' for i, name in enumerate(CLASS_NAMES)))

    total = sum(len(v) for v in labels.values())
    bar = tqdm(total=total, desc='synthetic world', unit='img', disable=not progress,
               mininterval=1.0)
    for split, sets in labels.items():
        list_lines, caption_lines = [], []
        for i, labs in enumerate(sets):
            rng = np.random.default_rng([cfg.seed, SPLIT_CODES[split], 1, i])
            img, mentions, bg = render_image(labs, rng, cfg.image_size,
                                             cfg.typical_colour_prob)
            rel = _rel(split, i)
            Image.fromarray(img).save(out / rel)
            if split == 'pretrain':
                for _ in range(cfg.captions_per_image):
                    caption_lines.append(f'{rel} ' + make_caption(
                        mentions, bg, rng, mention_all_prob=cfg.pretrain_mention_all_prob))
            else:
                list_lines.append(rel + ' ' + ' '.join(map(str, labs)))
                if split == 'train':
                    caption_lines.append(f'{rel} ' + make_caption(
                        mentions, bg, rng, mention_all_prob=cfg.train_mention_all_prob))
            bar.update()
        if split == 'train':
            (out / 'lt_train.txt').write_text('\n'.join(list_lines) + '\n')
            (out / 'lt_captions.txt').write_text('\n'.join(caption_lines) + '\n')
        elif split in ('val', 'test'):
            (out / SPLIT_FILES[split]).write_text('\n'.join(list_lines) + '\n')
        else:
            (out / 'pretrain_corpus.txt').write_text('\n'.join(caption_lines) + '\n')
    bar.close()

    def freq(sets):
        f = np.zeros(len(CLASSES), int)
        for s in sets:
            f[s] += 1
        return f.tolist()

    meta = dict(version=WORLD_VERSION, config=cfg.to_dict(), classes=list(CLASS_NAMES),
                num_images={s: len(v) for s, v in labels.items()},
                class_freq={s: freq(v) for s, v in labels.items()})
    meta_path.write_text(json.dumps(meta, indent=1) + '\n')
    return meta
