"""One run per work dir at a time: ``WORK_DIR/run.lock``.

Two runs writing one work dir at once overwrite each other's checkpoints,
``last_checkpoint`` and ``metrics.json``, and both exit 0. ``tools/train.py``,
``tools/test.py``, ``tools/fewshot.py`` and ``tools/sweep.py`` hold this lock for the
run's duration:

* the file holds the owner as JSON (``pid``, ``host``, ``started``, ``command``);
* it is held with ``flock`` on the open file, which the kernel releases when the
  owner dies, so a second run fails at once (:class:`WorkDirLockedError`, naming the
  owner) and a lock left by a killed run is recovered, with a log line;
* without ``flock`` support (some network file systems) the owner's pid decides on
  the same host: a dead pid is a stale lock;
* a lock written on another host is never broken automatically (its pid cannot be
  checked from here): the error says to delete the file once that run is over;
* in distributed runs only global rank 0 takes it (:func:`launcher_rank`); the other
  ranks never touch the file, so none of them waits on it; if rank 0 fails to take
  it, it exits and the launcher (torchrun) ends the others;
* released (file removed) when the ``with`` block exits, on exceptions too.
"""
from __future__ import annotations

import contextlib
import datetime
import errno
import json
import os
import os.path as osp
import socket
import sys
from typing import Iterator, Optional

from mmengine.logging import print_log

try:
    import fcntl
except ImportError:  # not POSIX: the pid check alone decides
    fcntl = None

LOCK_NAME = 'run.lock'
# Environment variable holding the global rank before MMEngine initialises the
# process group, per launcher (MMEngine's own launchers read the same ones).
_RANK_VARS = {'pytorch': 'RANK', 'slurm': 'SLURM_PROCID', 'mpi': 'OMPI_COMM_WORLD_RANK'}


class WorkDirLockedError(RuntimeError):
    """Another run holds the work dir."""


def launcher_rank(launcher: str) -> int:
    """The process's global rank under ``--launcher`` (0 for ``none``)."""
    var = _RANK_VARS.get(launcher)
    return int(os.environ.get(var, 0)) if var else 0


def pid_alive(pid: int) -> bool:
    """Whether a process ``pid`` exists on this host."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by another user
        return True
    return True


def _read_owner(fd: int) -> dict:
    os.lseek(fd, 0, os.SEEK_SET)
    raw = b''
    while block := os.read(fd, 1 << 16):
        raw += block
    try:
        owner = json.loads(raw.decode() or '{}')
    except (UnicodeDecodeError, json.JSONDecodeError):
        return {'unreadable': raw[:80].decode(errors='replace')}
    return owner if isinstance(owner, dict) else {}


def describe_owner(owner: dict) -> str:
    if 'unreadable' in owner:
        return f"an unreadable owner record ({owner['unreadable']!r})"
    return (f"pid {owner.get('pid')} on host {owner.get('host')} (started "
            f"{owner.get('started')}: {owner.get('command')})")


def _flock(fd: int) -> Optional[bool]:
    """True: locked; False: another open file holds it; None: no flock here."""
    if fcntl is None:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    except OSError as err:
        if err.errno in (errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS, errno.EINVAL):
            return None
        raise
    return True


def _busy(work_dir: str, path: str, owner: dict) -> WorkDirLockedError:
    return WorkDirLockedError(
        f'work dir {work_dir} is in use by another run: {describe_owner(owner)}. Two '
        'runs in one work dir overwrite each other\'s checkpoints and metrics: wait '
        'for it to finish or pass another --work-dir. If that run is over (e.g. killed '
        f'on another machine), delete {path}.')


def acquire(work_dir: str) -> int:
    """Take the lock of ``work_dir`` (created if needed); returns the open file's fd.

    Raises :class:`WorkDirLockedError` naming the owner if another run holds it.
    """
    os.makedirs(work_dir, exist_ok=True)
    path = osp.join(work_dir, LOCK_NAME)
    host = socket.gethostname()
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            locked = _flock(fd)
            owner = _read_owner(fd)
            if locked is False:
                raise _busy(work_dir, path, owner)
            try:
                same_file = os.fstat(fd).st_ino == os.stat(path).st_ino
            except FileNotFoundError:
                same_file = False
            if not same_file:  # the owner released (removed) it between open and flock
                os.close(fd)
                continue
            if owner:
                pid = owner.get('pid')
                if owner.get('host') != host:
                    raise _busy(work_dir, path, owner)
                if locked is None and isinstance(pid, int) and pid_alive(pid) and \
                        pid != os.getpid():
                    raise _busy(work_dir, path, owner)
                print_log(f'{path}: recovered a stale lock of {describe_owner(owner)}: '
                          'that process is no longer running (killed or crashed); '
                          'taking the work dir over.', logger='current', level=30)
            record = dict(pid=os.getpid(), host=host,
                          started=datetime.datetime.now().isoformat(timespec='seconds'),
                          command=' '.join(sys.argv))
            os.ftruncate(fd, 0)
            os.lseek(fd, 0, os.SEEK_SET)
            os.write(fd, json.dumps(record).encode())
            os.fsync(fd)
            return fd
        except BaseException:
            with contextlib.suppress(OSError):
                os.close(fd)
            raise


def release(work_dir: str, fd: int) -> None:
    """Remove the lock file (if it is still ours) and close it."""
    path = osp.join(work_dir, LOCK_NAME)
    try:
        if os.stat(path).st_ino == os.fstat(fd).st_ino:
            os.remove(path)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def work_dir_lock(work_dir: str, take: bool = True) -> Iterator[None]:
    """Hold ``work_dir``'s lock inside the block (``take=False``: do nothing, for
    ranks other than 0)."""
    if not take:
        yield
        return
    fd = acquire(work_dir)
    try:
        yield
    finally:
        release(work_dir, fd)
