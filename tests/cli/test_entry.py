"""Every tool runs through lmpt_mm.cli.entry.tool_entry_point."""
import ast
import gc
from pathlib import Path

import pytest

from lmpt_mm.cli.entry import tool_entry_point

# uv_sources.py runs during setup, before this package is installed.
SETUP_TOOLS = ('uv_sources.py', )
TOOLS = sorted(p for p in (Path(__file__).resolve().parents[2] / 'tools').glob('*.py')
               if p.name not in SETUP_TOOLS)


@pytest.mark.parametrize('returned, status', [(None, 0), (0, 0), (3, 3), ({'a': 1}, 0)])
def test_exit_status_is_what_main_returns_when_an_int(returned, status):
    before = gc.get_freeze_count()
    made_now = [[] for _ in range(100)]  # noqa: F841  (tracked objects made since)
    with pytest.raises(SystemExit) as exit_info:
        tool_entry_point(lambda: returned)
    assert (exit_info.value.code or 0) == status
    assert gc.get_freeze_count() >= before + 100  # they left the collector's reach


def main_block_calls(path: Path) -> list:
    """The calls in the tool's ``if __name__ == '__main__':`` block."""
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.If) and '__main__' in ast.unparse(node.test):
            return [ast.unparse(stmt) for stmt in node.body]
    return []


@pytest.mark.parametrize('path', TOOLS, ids=lambda p: p.name)
def test_every_tool_enters_through_the_entry_point(path):
    assert main_block_calls(path) == ['tool_entry_point(main)'], path.name
