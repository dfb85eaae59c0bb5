"""Silhouettes of the offline world's 20 object classes.

Each class is drawn as one or two coverage masks in its own box: ``main`` takes the
object's colour (the one captions name) and ``detail`` a fixed dark colour (a tree's
trunk, a flag's pole). Masks are drawn on a supersampled canvas and box-filtered
down, so a 12-pixel object keeps an anti-aliased, recognisable outline.

Silhouettes were chosen to stay distinct at about a dozen pixels: filled vs hollow,
round vs angular, tall vs wide, one part vs two. Coordinates are fractions of the box
(x right, y down).
"""
from __future__ import annotations

import math
from typing import Callable, Dict, Tuple

import numpy as np
from PIL import Image, ImageDraw

#: ``draw(main, detail, s)`` paints 255 (add) / 0 (cut) on two ``L`` canvases of
#: size ``(round(aspect * s), s)``; ``s`` is the supersampled box height.
DrawFn = Callable[[ImageDraw.ImageDraw, ImageDraw.ImageDraw, int, int], None]


def _xy(w: int, h: int, *pts: Tuple[float, float]):
    return [(x * w, y * h) for x, y in pts]


def _box(w: int, h: int, x0: float, y0: float, x1: float, y1: float):
    return [x0 * w, y0 * h, x1 * w, y1 * h]


def _ball(m, d, w, h):
    m.ellipse(_box(w, h, .04, .04, .96, .96), fill=255)


def _ring(m, d, w, h):
    m.ellipse(_box(w, h, .04, .04, .96, .96), fill=255)
    m.ellipse(_box(w, h, .3, .3, .7, .7), fill=0)


def _box_shape(m, d, w, h):
    m.rectangle(_box(w, h, .08, .12, .92, .92), fill=255)


def _kite(m, d, w, h):
    m.polygon(_xy(w, h, (.5, .02), (.92, .36), (.5, .98), (.08, .36)), fill=255)


def _tent(m, d, w, h):
    m.polygon(_xy(w, h, (.5, .04), (.98, .96), (.02, .96)), fill=255)
    m.polygon(_xy(w, h, (.5, .5), (.66, .96), (.34, .96)), fill=0)  # the opening


def _star(m, d, w, h):
    pts = []
    for k in range(10):
        r = .5 if k % 2 == 0 else .2
        a = -math.pi / 2 + k * math.pi / 5
        pts.append((.5 + r * math.cos(a), .54 + r * math.sin(a)))
    m.polygon(_xy(w, h, *pts), fill=255)


def _heart(m, d, w, h):
    m.ellipse(_box(w, h, .02, .06, .54, .58), fill=255)
    m.ellipse(_box(w, h, .46, .06, .98, .58), fill=255)
    m.polygon(_xy(w, h, (.05, .42), (.95, .42), (.5, .96)), fill=255)


def _moon(m, d, w, h):
    m.ellipse(_box(w, h, .04, .04, .96, .96), fill=255)
    m.ellipse(_box(w, h, .36, -.08, 1.2, .76), fill=0)


def _cross(m, d, w, h):
    m.rectangle(_box(w, h, .35, .03, .65, .97), fill=255)
    m.rectangle(_box(w, h, .03, .35, .97, .65), fill=255)


def _arrow(m, d, w, h):
    m.rectangle(_box(w, h, .02, .38, .6, .62), fill=255)
    m.polygon(_xy(w, h, (.52, .06), (.98, .5), (.52, .94)), fill=255)


def _tree(m, d, w, h):
    m.polygon(_xy(w, h, (.5, .0), (.95, .74), (.05, .74)), fill=255)
    d.rectangle(_box(w, h, .38, .72, .62, 1.0), fill=255)


def _house(m, d, w, h):
    m.polygon(_xy(w, h, (.5, .02), (1.0, .46), (.0, .46)), fill=255)
    m.rectangle(_box(w, h, .12, .44, .88, .98), fill=255)
    m.rectangle(_box(w, h, .4, .66, .6, .98), fill=0)  # the door


def _egg(m, d, w, h):
    m.ellipse(_box(w, h, .04, .02, .96, .98), fill=255)


def _umbrella(m, d, w, h):
    m.pieslice(_box(w, h, .0, .06, 1.0, .96), 180, 360, fill=255)
    d.rectangle(_box(w, h, .45, .5, .55, .94), fill=255)
    d.rectangle(_box(w, h, .3, .86, .55, .96), fill=255)


def _flag(m, d, w, h):
    d.rectangle(_box(w, h, .06, .02, .18, 1.0), fill=255)
    m.rectangle(_box(w, h, .18, .06, .96, .52), fill=255)


def _fish(m, d, w, h):
    m.ellipse(_box(w, h, .0, .18, .74, .82), fill=255)
    m.polygon(_xy(w, h, (.62, .5), (1.0, .12), (1.0, .88)), fill=255)
    m.ellipse(_box(w, h, .14, .36, .26, .5), fill=0)  # the eye


def _door(m, d, w, h):
    m.rectangle(_box(w, h, .06, .0, .94, 1.0), fill=255)
    m.ellipse(_box(w, h, .62, .48, .82, .6), fill=0)  # the knob


def _table(m, d, w, h):
    m.rectangle(_box(w, h, .0, .14, 1.0, .36), fill=255)
    m.rectangle(_box(w, h, .06, .34, .2, .96), fill=255)
    m.rectangle(_box(w, h, .8, .34, .94, .96), fill=255)


def _bone(m, d, w, h):
    m.rectangle(_box(w, h, .14, .36, .86, .64), fill=255)
    for x0 in (.0, .78):
        for y0 in (.14, .5):
            m.ellipse(_box(w, h, x0, y0, x0 + .22, y0 + .36), fill=255)


def _cloud(m, d, w, h):
    m.ellipse(_box(w, h, .0, .36, .42, .9), fill=255)
    m.ellipse(_box(w, h, .22, .08, .74, .72), fill=255)
    m.ellipse(_box(w, h, .56, .3, 1.0, .9), fill=255)
    m.rectangle(_box(w, h, .2, .6, .8, .9), fill=255)


#: key -> (draw function, width / height of the box)
SHAPES: Dict[str, Tuple[DrawFn, float]] = {
    'ball': (_ball, 1.0), 'ring': (_ring, 1.0), 'box': (_box_shape, 1.0),
    'kite': (_kite, .8), 'tent': (_tent, 1.15), 'star': (_star, 1.0),
    'heart': (_heart, 1.0), 'moon': (_moon, 1.0), 'cross': (_cross, 1.0),
    'arrow': (_arrow, 1.3), 'tree': (_tree, .8), 'house': (_house, 1.0),
    'egg': (_egg, .72), 'umbrella': (_umbrella, 1.1), 'flag': (_flag, 1.1),
    'fish': (_fish, 1.5), 'door': (_door, .6), 'table': (_table, 1.35),
    'bone': (_bone, 1.7), 'cloud': (_cloud, 1.45),
}


def render_masks(shape: str, height: int, supersample: int = 4,
                 flip: bool = False) -> Tuple[np.ndarray, np.ndarray]:
    """Coverage masks of one object, each ``(height, width)`` float32 in [0, 1].

    ``width = max(1, round(aspect * height))``; ``main`` and ``detail`` never
    overlap (detail wins where both are drawn). ``flip`` mirrors left-right.
    """
    if shape not in SHAPES:
        raise ValueError(f'unknown shape {shape!r}; known: {sorted(SHAPES)}')
    draw, aspect = SHAPES[shape]
    width = max(1, round(aspect * height))
    w, h = width * supersample, height * supersample
    main, detail = Image.new('L', (w, h), 0), Image.new('L', (w, h), 0)
    draw(ImageDraw.Draw(main), ImageDraw.Draw(detail), w, h)
    masks = []
    for canvas in (main, detail):
        if flip:
            canvas = canvas.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
        small = canvas.resize((width, height), Image.Resampling.BOX)
        masks.append(np.asarray(small, dtype=np.float32) / 255.0)
    main_m, detail_m = masks
    return main_m * (1.0 - detail_m), detail_m
