"""Parsers for the LTML annotation files (VOC-LT / COCO-LT format).

Formats (those of the LMPT release's ``data/`` folder; README, Data):

* class-name file: ``<name> <id>`` per line; names may contain spaces, ids are
  ``0..C-1``, each exactly once; CRLF line ends and a missing final newline occur.
* split list: ``<relative image path> <id> <id> ...``; ids are a set (repeats
  collapse); a path with no id is an image without label; trailing spaces occur.
* caption file: ``<relative image path> <caption words ...>``, aligned line by
  line with the train split list.

Blank lines are ignored everywhere. Every bad line raises ``ValueError`` naming
``file:line``; a missing file raises ``FileNotFoundError`` naming the path.
"""
import os
from dataclasses import dataclass
from typing import Iterator, List, Sequence, Tuple

__all__ = [
    'SplitRecord', 'CaptionRecord', 'read_label_file', 'read_split_list',
    'read_caption_file', 'align_captions'
]


@dataclass(frozen=True)
class SplitRecord:
    """One line of a split list.

    Attributes:
        path: image path as written in the file (relative to the image root).
        labels: sorted unique class ids (empty for an image without label).
        lineno: 1-based line number in the file (for error messages).
    """
    path: str
    labels: Tuple[int, ...]
    lineno: int


@dataclass(frozen=True)
class CaptionRecord:
    """One line of a caption file: image path, caption text, 1-based line."""
    path: str
    caption: str
    lineno: int


def _iter_lines(path: str, what: str) -> Iterator[Tuple[int, str]]:
    """Yield ``(lineno, stripped line)`` for the non-blank lines of ``path``.

    Universal newlines make CRLF and a missing final newline harmless;
    ``utf-8-sig`` drops a byte-order mark some editors add.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f'{what} not found: {path}')
    with open(path, encoding='utf-8-sig', newline=None) as f:
        for lineno, line in enumerate(f, start=1):
            line = line.strip()
            if line:
                yield lineno, line


def read_label_file(path: str) -> List[str]:
    """Read a class-name file ``<name possibly with spaces> <id>``.

    Args:
        path: the class-name file.

    Returns:
        Class names ordered by id (index ``i`` is the name of class ``i``).

    Raises:
        ValueError: a line without an integer id, a repeated id or name, ids
            that are not exactly ``0..C-1``, or an empty file.
    """
    by_id = {}
    where = {}
    for lineno, line in _iter_lines(path, 'label file'):
        parts = line.rsplit(None, 1)
        if len(parts) != 2:
            raise ValueError(f'{path}:{lineno}: malformed class line {line!r}, '
                             'expected "<name> <id>"')
        name, id_str = parts[0].strip(), parts[1]
        try:
            cid = int(id_str)
        except ValueError:
            raise ValueError(f'{path}:{lineno}: malformed class line {line!r}: '
                             f'id {id_str!r} is not an integer') from None
        if cid in by_id:
            raise ValueError(f'{path}:{lineno}: class id {cid} repeated '
                             f'(first at line {where[cid]})')
        if name in by_id.values():
            raise ValueError(f'{path}:{lineno}: class name {name!r} repeated')
        by_id[cid] = name
        where[cid] = lineno
    if not by_id:
        raise ValueError(f'{path}: no class in label file')
    num_classes = len(by_id)
    for cid, lineno in where.items():
        if not 0 <= cid < num_classes:
            raise ValueError(
                f'{path}:{lineno}: class id {cid} out of range; the {num_classes} '
                f'ids must be exactly 0..{num_classes - 1}')
    return [by_id[i] for i in range(num_classes)]


def read_split_list(path: str, num_classes: int) -> List[SplitRecord]:
    """Read a split list ``<path> <id> <id> ...``.

    Args:
        path: the split list file.
        num_classes: number of classes C; every id must be in ``[0, C)``.

    Returns:
        One :class:`SplitRecord` per non-blank line, in file order, with sorted
        unique labels (ids are a set; an image may have none).

    Raises:
        ValueError: a non-integer id (malformed line), an id outside
            ``[0, C)``, an image path listed twice, or no image at all.
    """
    records = []
    seen = {}
    for lineno, line in _iter_lines(path, 'split list'):
        img, *tokens = line.split()
        labels = set()
        for tok in tokens:
            try:
                cid = int(tok)
            except ValueError:
                raise ValueError(
                    f'{path}:{lineno}: malformed line {line!r}: label {tok!r} is '
                    'not an integer (expected "<image path> <id> <id> ...")'
                ) from None
            if not 0 <= cid < num_classes:
                raise ValueError(f'{path}:{lineno}: label id {cid} out of range '
                                 f'[0, {num_classes}) for image {img}')
            labels.add(cid)
        if img in seen:
            raise ValueError(f'{path}:{lineno}: duplicate image {img} '
                             f'(first listed at line {seen[img]})')
        seen[img] = lineno
        records.append(SplitRecord(img, tuple(sorted(labels)), lineno))
    if not records:
        raise ValueError(f'{path}: empty split (no image listed)')
    return records


def read_caption_file(path: str) -> List[CaptionRecord]:
    """Read a caption file ``<path> <caption words ...>``.

    Raises:
        ValueError: a line with an image path but no caption text.
    """
    records = []
    for lineno, line in _iter_lines(path, 'caption file'):
        parts = line.split(None, 1)
        if len(parts) != 2:
            raise ValueError(f'{path}:{lineno}: malformed caption line {line!r}: '
                             'no caption after the image path')
        records.append(CaptionRecord(parts[0], parts[1].strip(), lineno))
    return records


def align_captions(records: Sequence[SplitRecord],
                   captions: Sequence[CaptionRecord], ann_file: str,
                   caption_file: str) -> List[str]:
    """Return the caption of every split record, checking the alignment.

    The caption file must list the same images as the split list, in the same
    order (blank lines aside).

    Raises:
        ValueError: naming both files and lines, when the image at the same
            position differs or the files list a different number of images.
    """
    for rec, cap in zip(records, captions):
        if rec.path != cap.path:
            raise ValueError(
                f'caption file does not match the split list: '
                f'{caption_file}:{cap.lineno} names {cap.path} but '
                f'{ann_file}:{rec.lineno} names {rec.path}')
    if len(records) != len(captions):
        if len(captions) < len(records):
            rec = records[len(captions)]
            detail = (f'{ann_file}:{rec.lineno} ({rec.path}) has no caption '
                      f'line in {caption_file}')
        else:
            cap = captions[len(records)]
            detail = (f'{caption_file}:{cap.lineno} ({cap.path}) is beyond the '
                      f'end of {ann_file}')
        raise ValueError(f'caption file lists {len(captions)} images but the split '
                         f'list lists {len(records)}: {detail}')
    return [cap.caption for cap in captions]
