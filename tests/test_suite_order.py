"""`make test` starts the suite's longest file first (tests/conftest.py)."""
from types import SimpleNamespace

import pytest


@pytest.fixture
def longest_files_first(request, repo_root):
    """The function of tests/conftest.py (`import conftest` may find another folder's
    conftest first)."""
    path = str(repo_root / 'tests' / 'conftest.py')
    (module, ) = [p for p in request.config.pluginmanager.get_plugins()
                  if getattr(p, '__file__', None) == path]
    return module.longest_files_first


def fake_item(path: str, *markers: str) -> SimpleNamespace:
    return SimpleNamespace(fspath=path, name=f'{path}::{len(markers)}',
                           get_closest_marker=lambda m: m if m in markers else None)


def test_files_are_ordered_critical_then_slow_then_the_rest_each_kept_whole(
        longest_files_first):
    items = [fake_item('a.py'), fake_item('a.py'), fake_item('tools/b.py', 'slow'),
             fake_item('c.py'), fake_item('tools/demo.py', 'slow', 'critical_path'),
             fake_item('tools/demo.py', 'slow', 'critical_path'),
             fake_item('tools/b.py', 'slow')]
    order = list(items)
    longest_files_first(items)
    assert [i.fspath for i in items] == ['tools/demo.py', 'tools/demo.py', 'tools/b.py',
                                         'tools/b.py', 'a.py', 'a.py', 'c.py']
    # within a file, the collection order is kept
    assert [order.index(i) for i in items if i.fspath == 'tools/b.py'] == [2, 6]


def test_this_session_collected_the_reduced_demo_first(request):
    items = request.session.items
    if not any(i.get_closest_marker('critical_path') for i in items):
        pytest.skip('the reduced demo is not in this run (-k, -m or file arguments)')
    assert items[0].get_closest_marker('critical_path')
    assert items[0].fspath.basename == 'test_demo_reduced.py'


def test_make_test_keeps_the_collection_order(repo_root):
    """xdist's default (`--loadscope-reorder`) hands out the files with the most tests
    first, which puts the three-test reduced demo near the end again."""
    xdist = next(line for line in (repo_root / 'Makefile').read_text().splitlines()
                 if line.startswith('XDIST :='))
    assert '--dist loadfile' in xdist and '--no-loadscope-reorder' in xdist
