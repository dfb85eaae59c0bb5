"""Captions of the offline world: nouns, synonyms and attributes in short sentences.

A caption names objects with their class name most of the time (so the zero-shot
prompt ``a photo of a {name}.`` lands where pretraining put the noun), sometimes
with a synonym, and optionally with colour, size and position attributes, in one of
several sentence templates. Captions may leave objects out (``mention_all_prob``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import List, Sequence, Tuple

import numpy as np

LIST_TEMPLATES: Tuple[str, ...] = (
    'a photo of {}.', 'a picture of {}.', 'an image of {}.', 'a drawing of {}.',
    'a photo showing {}.', 'there is {}.', '{}.', 'a photo of {}.', 'a picture of {}.',
    'a photo of {} on a {bg} background.',
)
VOWELS = tuple('aeiou')


@dataclass(frozen=True)
class ObjectMention:
    """What a caption may say about one drawn object."""
    name: str               # class name, as in labels.txt
    synonyms: Tuple[str, ...]
    colour: str             # colour word
    size: str               # '', 'small', 'big', ...
    position: str           # 'on the left', 'at the top', ... or ''


def _article(word: str) -> str:
    return 'an' if word.startswith(VOWELS) else 'a'


def describe(obj: ObjectMention, rng: np.random.Generator, *, name_prob: float = .8,
             colour_prob: float = .25, size_prob: float = .15,
             position_prob: float = .15) -> str:
    """``'a small red ball on the left'`` with each attribute drawn independently."""
    noun = obj.name
    if obj.synonyms and rng.random() >= name_prob:
        noun = obj.synonyms[rng.integers(len(obj.synonyms))]
    words = []
    if obj.size and rng.random() < size_prob:
        words.append(obj.size)
    if rng.random() < colour_prob:
        words.append(obj.colour)
    words.append(noun)
    phrase = f'{_article(words[0])} {" ".join(words)}'
    if obj.position and rng.random() < position_prob:
        phrase += f' {obj.position}'
    return phrase


def join_list(phrases: Sequence[str]) -> str:
    if len(phrases) == 1:
        return phrases[0]
    return ', '.join(phrases[:-1]) + ' and ' + phrases[-1]


def make_caption(objects: Sequence[ObjectMention], background: str,
                 rng: np.random.Generator, *, mention_all_prob: float = .85) -> str:
    """One caption for an image holding ``objects`` (at least one is always named).

    With probability ``1 - mention_all_prob`` a random non-empty proper subset of the
    objects is named; mention order is random.
    """
    if not objects:
        raise ValueError('a caption needs at least one object')
    order = list(rng.permutation(len(objects)))
    if len(objects) > 1 and rng.random() >= mention_all_prob:
        order = order[:int(rng.integers(1, len(objects)))]
    phrases: List[str] = [describe(objects[i], rng) for i in order]
    style = rng.random()
    if style < .15 and len(phrases) > 1:
        # one short sentence per object
        return ' '.join(f'{p}.' for p in phrases)
    template = LIST_TEMPLATES[rng.integers(len(LIST_TEMPLATES))]
    return template.format(join_list(phrases), bg=background)
