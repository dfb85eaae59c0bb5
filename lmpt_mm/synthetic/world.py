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
from typing import List, Optional, Tuple

import numpy as np
from PIL import Image
from tqdm import tqdm

from .captions import make_caption
from .catalogue import CLASS_NAMES, CLASSES
from .label_sets import objects_per_image, probs_with_mean, realize_label_sets
from .render import render_image

WORLD_VERSION = 2  # 2: the validation split

#: VOC-LT train class frequencies (Wu et al., ECCV 2020), indexed by class id.
VOC_LT_CLASS_FREQ: Tuple[int, ...] = (6, 34, 8, 14, 154, 17, 249, 29, 479, 4, 240, 48,
                                      11, 20, 775, 100, 5, 82, 7, 64)
VOC_LT_NUM_TRAIN = 1142


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


def split_label_sets(split: str, cfg: WorldConfig) -> List[List[int]]:
    """The label sets of one split, deterministic in ``cfg``."""
    rng = np.random.default_rng([cfg.seed, SPLIT_CODES[split], 0])
    if split == 'train':
        counts = np.asarray(cfg.train_class_freq)
        n = cfg.train_num_images
        mean_k = counts.sum() / n
        # a spread of object counts around the mean the counts force
        probs = probs_with_mean(mean_k)
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
