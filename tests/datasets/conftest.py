"""Fixtures for dataset tests: tiny LTML files (mm_log is in tests/conftest.py)."""
from pathlib import Path

import pytest


def write(path: Path, text: str, newline: str = '\n') -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, 'w', newline='') as f:
        f.write(text.replace('\n', newline))
    return path


@pytest.fixture
def write_text():
    """``write_text(path, text, newline='\\n')`` -> path (exact bytes)."""
    return write


@pytest.fixture
def tiny_lt(tmp_path) -> Path:
    """A 3-class LTML dataset (no images): CRLF label file without final
    newline and names with spaces, trailing spaces and repeated ids in the
    lists, an unlabeled test image, aligned captions."""
    root = tmp_path / 'tiny'
    write(root / 'tiny_labels.txt', 'red car 0\nblue bird 1 \nsun 2', '\r\n')
    write(root / 'tiny_train.txt', 'imgs/a.png 0 1 \n'
          'imgs/b.png 1 1\n'
          '\n'
          'imgs/c.png 2 0 \n'
          'imgs/d.png 1\n')
    write(root / 'tiny_test.txt', 'imgs/t1.png 0\nimgs/t2.png\nimgs/t3.png 2 1')
    write(root / 'tiny_captions.txt', 'imgs/a.png a red car and a bird\n'
          'imgs/b.png a bird\n'
          'imgs/c.png  sun over a car \n'
          'imgs/d.png blue bird')
    return root
