"""Run a tool in a subprocess with its whole output in a log file.

The one subprocess runner of the project's drivers (the suite runner, the sweep).
"""
from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import Callable, Dict, Optional, Sequence


class ToolError(RuntimeError):
    """A tool exited with an error; the message names the command and its log."""

    def __init__(self, message: str, log: Path, code: int) -> None:
        super().__init__(message)
        self.log = log
        self.code = code


def log_tail(log: Path, lines: int = 25) -> str:
    if not log.is_file():
        return ''
    return ''.join(log.read_text(errors='replace').splitlines(keepends=True)[-lines:])


def run_logged(cmd: Sequence[str], log: Path, env: Optional[Dict[str, str]] = None,
               echo: Optional[Callable[[str], None]] = None,
               echo_pattern: Optional[re.Pattern] = None) -> None:
    """Run ``cmd``, write its stdout and stderr to ``log`` (created with its folder).

    ``env``: variables added to the current environment (``PYTHONUNBUFFERED=1`` always;
    an ``OMP_NUM_THREADS`` given here yields to one the environment sets). ``echo``
    receives the output lines matching ``echo_pattern`` (all lines without one).
    Raises :class:`ToolError` with the command and the log's last lines on failure.
    """
    log.parent.mkdir(parents=True, exist_ok=True)
    full_env = dict(os.environ, PYTHONUNBUFFERED='1')
    for key, value in (env or {}).items():
        if key == 'OMP_NUM_THREADS':
            full_env.setdefault(key, value)
        else:
            full_env[key] = value
    with open(log, 'w') as f:
        proc = subprocess.Popen(list(cmd), stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, env=full_env)
        assert proc.stdout is not None
        for line in proc.stdout:
            f.write(line)
            if echo is not None and (echo_pattern is None or echo_pattern.search(line)):
                echo(line.rstrip('\n'))
        code = proc.wait()
    if code != 0:
        raise ToolError(f'exit {code}: {" ".join(map(str, cmd))}\nlast lines of {log}:\n'
                        f'{log_tail(log)}', log, code)
