import importlib.util
import shlex
import subprocess
import sys
from pathlib import Path

TOOL = Path(__file__).resolve().parents[2] / 'tools' / 'uv_sources.py'
spec = importlib.util.spec_from_file_location('_uv_sources', TOOL)
uv_sources = importlib.util.module_from_spec(spec)
spec.loader.exec_module(uv_sources)

LISTING = """\
:env:.cert='/etc/ssl/certs/ca-certificates.crt'
:env:.find-links='/wheels/env'
global.constraint='/etc/pip/constraints.txt'
global.extra-index-url='file:///mirror/a/simple file:///mirror/b/simple'
global.find-links='/wheels/global'
install.index-url="https://pypi.example/simple"
global.index-url='https://ignored.example/simple'
"""


def test_sources_follow_pips_precedence_and_split_lists():
    assert uv_sources.uv_arguments(LISTING) == [
        '--index-strategy', 'unsafe-best-match',
        '--index-url', 'https://pypi.example/simple',
        '--extra-index-url', 'file:///mirror/a/simple',
        '--extra-index-url', 'file:///mirror/b/simple',
        '--find-links', '/wheels/env',
        '--constraint', '/etc/pip/constraints.txt',
    ]


def test_no_configuration_leaves_uv_on_its_defaults():
    assert uv_sources.uv_arguments('') == ['--index-strategy', 'unsafe-best-match']
    assert uv_sources.uv_arguments(":env:.cert='/x'\nglobal.timeout='60'\n") == [
        '--index-strategy', 'unsafe-best-match']


def test_script_prints_shell_words_for_this_pip():
    out = subprocess.run([sys.executable, str(TOOL)], capture_output=True, text=True,
                         check=True).stdout
    words = shlex.split(out)
    assert words[:2] == ['--index-strategy', 'unsafe-best-match']
    assert all(w.startswith('--') for w in words[::2])
