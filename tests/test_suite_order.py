"""`make test` starts the suite's longest file first (tests/conftest.py)."""
import os
import shlex
import shutil
import subprocess
import sys
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


def make_test_xdist_args(repo_root) -> list:
    """The pytest options ``make test`` passes, as make expands them (``make -n``:
    nothing runs)."""
    out = subprocess.run(['make', '-n', '-s', 'test', 'PY=PYTHON'], cwd=repo_root,
                         capture_output=True, text=True, check=True).stdout
    (line, ) = [ln for ln in out.splitlines() if ln.startswith('PYTHON -m pytest tests')]
    return shlex.split(line)[len(('PYTHON', '-m', 'pytest', 'tests')):]


def run_order(project, args: list) -> list:
    """The files of ``project`` in the order one xdist worker ran their tests."""
    log = project / 'ran.txt'
    log.write_text('')
    subprocess.run([sys.executable, '-m', 'pytest', str(project), '-q',
                    '-p', 'no:cacheprovider', *args], cwd=project, check=True,
                   capture_output=True, env=dict(os.environ, ORDER_LOG=str(log)))
    return log.read_text().split()


@pytest.mark.skipif(shutil.which('make') is None, reason='make is not installed')
def test_make_test_runs_files_in_collection_order(repo_root, tmp_path):
    """With the options of ``make test``, xdist hands out whole files in collection
    order (the order tests/conftest.py sets, longest first), not its default of the
    files with the most tests first. A project whose conftest puts a one-test file
    before a four-test one shows the difference on one worker."""
    args = make_test_xdist_args(repo_root)
    assert '-n' in args, f'make test runs pytest without xdist workers: {args}'
    workers = args.index('-n')
    one_worker = args[:workers] + ['-n', '1'] + args[workers + 2:]
    (tmp_path / 'conftest.py').write_text(
        'def pytest_collection_modifyitems(items):\n'
        "    items.sort(key=lambda i: 0 if i.fspath.basename == 'test_short.py' else 1)\n")
    record = ('import os\n\n\ndef record(name):\n'
              "    with open(os.environ['ORDER_LOG'], 'a') as f:\n"
              "        f.write(name + '\\n')\n")
    (tmp_path / 'test_many.py').write_text(record + ''.join(
        f"\n\ndef test_{k}():\n    record('many')\n" for k in range(4)))
    (tmp_path / 'test_short.py').write_text(record + "\n\ndef test_0():\n"
                                            "    record('short')\n")
    assert run_order(tmp_path, one_worker) == ['short'] + ['many'] * 4
    # xdist's own default on the same project: the larger file first
    default = [a for a in one_worker if a != '--no-loadscope-reorder']
    assert run_order(tmp_path, default)[0] == 'many'
