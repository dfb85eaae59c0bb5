"""The offline world's object classes and colours.

Twenty classes with ordinary English names (each one CLIP BPE token), each drawn as a
distinct silhouette (:mod:`.shapes`) in a typical colour that other classes share:
colour is a cue, never the identity.
"""
from dataclasses import dataclass
from typing import Dict, Tuple


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
