"""Nothing shipped may point outside the repository.

A user's clone has none of the development machine's folders: the package, configs,
tools, docs and README cite papers, and only ``tests/conftest.py`` knows (through
environment variables with defaults) where external data lives.
"""
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHIPPED = ('lmpt_mm', 'configs', 'tools', 'docs', 'README.md', 'Makefile', 'setup.py',
           'requirements.txt', '.ci')
SUFFIXES = {'.py', '.md', '.yml', '.yaml', '.json', '.sh', '.txt', '.cfg', ''}
# An absolute POSIX path into a machine's folders, or the development `shared` folder.
FORBIDDEN = re.compile(
    r'(?<![\w.:/-])/(?:work|home|root|tmp|mnt|data|opt|Users|scratch)/[\w.-]'
    r'|(?:\.\./|\b)shared/(?:spec|data|STYLE)')


def shipped_files():
    for name in SHIPPED:
        path = REPO / name
        files = [path] if path.is_file() else sorted(path.rglob('*'))
        for f in files:
            if f.is_file() and f.suffix in SUFFIXES and '__pycache__' not in f.parts:
                yield f


def test_the_pattern_catches_what_it_must():
    # the machine paths are assembled here, so this file does not itself hold one
    for bad in ('see ' + '/'.join(['', 'work', 'shared', 'data']), "Path('/home/me/data')",
                '``shared/STYLE.md``', '../shared/data/lt_annotations',
                'python x.py --out /tmp/world'):
        assert FORBIDDEN.search(bad), bad
    for fine in ('https://download.pytorch.org/models/x.pth', 'data/voc/VOC2007',
                 'shared by all classes', 'work_dirs/demo', 'a/tmp/b'):
        assert not FORBIDDEN.search(fine), fine


@pytest.mark.parametrize('path', list(shipped_files()),
                         ids=lambda p: str(p.relative_to(REPO)))
def test_no_absolute_or_shared_paths(path):
    text = path.read_text(errors='replace')
    hits = [f'{path.relative_to(REPO)}:{n}: {line.strip()}'
            for n, line in enumerate(text.splitlines(), 1) if FORBIDDEN.search(line)]
    assert not hits, 'paths outside the repository:\n' + '\n'.join(hits)
