"""A random-image world in the LTML (VOC-LT) file formats, for tests and timings.

Unlike the offline world (:mod:`.world`, drawn objects and a long tail), the images
here are random pixels with a class-dependent tint: enough for a label to be
learnable from pixels, nothing more. ``tools/benchmark.py`` times whole training runs
on it and the test suite trains tiny models on it.
"""
from pathlib import Path
from typing import Sequence, Union

import numpy as np
from PIL import Image

# Default class names of the tiny test world (label order).
TINY_CLASS_NAMES = ('dog', 'cat', 'car', 'tree', 'boat', 'bird', 'chair', 'cup')


def write_random_world(root: Union[str, Path], classes: Sequence[str], num_train: int,
                       num_test: int, size: int, seed: int = 0) -> Path:
    """Write random PNG images with labels and captions in the LTML format.

    Layout under ``root``: ``labels.txt`` (``name index`` per line, spaces in names
    written as ``_``), ``train.txt`` / ``test.txt`` (``images/<split>_<k>.png``
    followed by label indices), ``captions.txt`` (train images: ``a photo of a X and
    a Y``) and ``images/*.png`` (``size x size`` RGB). Image ``k`` of a split holds
    class ``k mod C`` and one random class, so every class has positives in both
    splits once a split has ``C`` images. Deterministic in ``seed``.

    Returns:
        ``root`` as a :class:`~pathlib.Path`.
    """
    if not classes:
        raise ValueError('write_random_world needs at least one class name')
    rng = np.random.default_rng(seed)
    root = Path(root)
    (root / 'images').mkdir(parents=True, exist_ok=True)
    (root / 'labels.txt').write_text(
        ''.join(f'{name.replace(" ", "_")} {i}\n' for i, name in enumerate(classes)))
    num = len(classes)
    captions = []
    for split, count in (('train', num_train), ('test', num_test)):
        width = max(3, len(str(max(count - 1, 0))))
        lines = []
        for k in range(count):
            labels = sorted({k % num, int(rng.integers(num))})
            pixels = rng.integers(0, 255, (size, size, 3), dtype=np.uint8)
            for label in labels:  # a class-dependent tint: labels learnable from pixels
                pixels[..., label % 3] = pixels[..., label % 3] // 2 + 120
            rel = f'images/{split}_{k:0{width}d}.png'
            Image.fromarray(pixels).save(root / rel)
            lines.append(f'{rel} ' + ' '.join(map(str, labels)) + '\n')
            if split == 'train':
                captions.append(f'{rel} a photo of a '
                                + ' and a '.join(classes[i] for i in labels) + '\n')
        (root / f'{split}.txt').write_text(''.join(lines))
    (root / 'captions.txt').write_text(''.join(captions))
    return root
