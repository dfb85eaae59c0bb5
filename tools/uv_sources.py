"""Print pip's configured package sources as ``uv pip install`` arguments.

``make setup`` installs the pinned stack with uv, which does not read pip's configuration.
Machines that keep wheels on local disk (a ``find-links`` folder, ``file://`` indexes) say
so in pip's configuration; this script passes those sources on, so that uv installs the
same files pip would. Standard library only: it runs before anything is installed.

Usage: ``uv pip install $(python tools/uv_sources.py) -r requirements.txt``
"""
from __future__ import annotations

import re
import shlex
import subprocess
import sys

# pip option -> uv option. pip reads every index it is given and takes the best version
# across them; uv's equivalent is the `unsafe-best-match` index strategy.
OPTIONS = {
    'index-url': '--index-url',
    'extra-index-url': '--extra-index-url',
    'find-links': '--find-links',
    'constraint': '--constraint',
}
# pip's precedence: environment variables over the [install] section over [global].
SECTIONS = (':env:', 'install', 'global')
LINE = re.compile(r"^(?P<section>[^.]+)\.(?P<key>[a-z-]+)=(?P<value>.*)$")


def uv_arguments(config_list: str) -> list[str]:
    """uv arguments for the sources in the output of ``pip config list``.

    Each key is taken from the section pip itself would use; a value may list several
    sources separated by white space.
    """
    found: dict[str, dict[str, str]] = {}
    for line in config_list.splitlines():
        match = LINE.match(line.strip())
        if match and match['key'] in OPTIONS:
            value = match['value']
            if len(value) >= 2 and value[0] == value[-1] and value[0] in '\'"':
                value = value[1:-1]
            found.setdefault(match['key'], {})[match['section']] = value
    arguments = ['--index-strategy', 'unsafe-best-match']
    for key, option in OPTIONS.items():
        section = next((s for s in SECTIONS if s in found.get(key, {})), None)
        if section is not None:
            for source in found[key][section].split():
                arguments += [option, source]
    return arguments


def main() -> None:
    listing = subprocess.run([sys.executable, '-m', 'pip', 'config', 'list'],
                             capture_output=True, text=True, check=False).stdout
    print(shlex.join(uv_arguments(listing)))


if __name__ == '__main__':
    main()
