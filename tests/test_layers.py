"""Imports run one way: tools -> lmpt_mm.suite -> lmpt_mm.cli -> library packages ->
lmpt_mm.utils.

Read statically (``ast``), so a lazy import inside a function counts as well.
"""
import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / 'lmpt_mm'
LIBRARY = ('apis', 'datasets', 'engine', 'evaluation', 'models', 'synthetic')


def lmpt_imports(path: Path) -> set:
    """Absolute module names of lmpt_mm imported by ``path`` (relative ones resolved)."""
    module = path.relative_to(PACKAGE.parent).with_suffix('').parts
    package = module[:-1]  # the package holding the module (or the __init__)
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1]
                name = '.'.join(base + ((node.module, ) if node.module else ()))
            else:
                name = node.module or ''
            found.add(name)
            found |= {f'{name}.{a.name}' for a in node.names}
    return {n for n in found if n == 'lmpt_mm' or n.startswith('lmpt_mm.')}


def files_of(sub: str):
    return sorted((PACKAGE / sub).rglob('*.py'))


def test_resolves_relative_imports(tmp_path):
    assert 'lmpt_mm.models.losses.distribution_balanced_loss' in lmpt_imports(
        PACKAGE / 'models' / 'losses' / '__init__.py')


@pytest.mark.parametrize('path', files_of('utils'), ids=lambda p: p.name)
def test_utils_is_a_leaf(path):
    bad = {n for n in lmpt_imports(path) if not n.startswith('lmpt_mm.utils')}
    assert not bad, f'{path.relative_to(PACKAGE)} imports {sorted(bad)}'


@pytest.mark.parametrize('path', [p for sub in LIBRARY for p in files_of(sub)],
                         ids=lambda p: str(p.relative_to(PACKAGE)))
def test_library_never_imports_cli(path):
    bad = {n for n in lmpt_imports(path) if n.startswith('lmpt_mm.cli')}
    assert not bad, f'{path.relative_to(PACKAGE)} imports {sorted(bad)}'


@pytest.mark.parametrize('path', [p for sub in ('cli', 'utils') + LIBRARY
                                  for p in files_of(sub)],
                         ids=lambda p: str(p.relative_to(PACKAGE)))
def test_only_tools_import_the_suite_runner(path):
    """``lmpt_mm.suite`` drives the tools: nothing below it imports it."""
    bad = {n for n in lmpt_imports(path) if n.startswith('lmpt_mm.suite')}
    assert not bad, f'{path.relative_to(PACKAGE)} imports {sorted(bad)}'
