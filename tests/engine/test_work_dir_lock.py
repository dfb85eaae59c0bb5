"""WORK_DIR/run.lock: one run per work dir, owner named, stale locks recovered."""
import json
import os
import socket
import subprocess
import sys

import pytest

from lmpt_mm.engine import work_dir_lock as lock_module
from lmpt_mm.engine.work_dir_lock import (LOCK_NAME, WorkDirLockedError, launcher_rank,
                                          work_dir_lock)


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, '-c', 'pass'])
    proc.wait()
    return proc.pid


def write_owner(work_dir, **owner) -> None:
    work_dir.mkdir(parents=True, exist_ok=True)
    record = dict(pid=1, host=socket.gethostname(), started='2026-01-01T00:00:00',
                  command='tools/train.py x.py')
    (work_dir / LOCK_NAME).write_text(json.dumps(dict(record, **owner)))


def test_second_run_is_refused_naming_the_owner_and_lock_released(tmp_path):
    work_dir = tmp_path / 'run'
    with work_dir_lock(str(work_dir)):
        owner = json.loads((work_dir / LOCK_NAME).read_text())
        assert owner['pid'] == os.getpid() and owner['host'] == socket.gethostname()
        with pytest.raises(WorkDirLockedError) as info:
            with work_dir_lock(str(work_dir)):
                pass
        msg = str(info.value)
        assert msg.startswith(f'work dir {work_dir} is in use by another run: pid '
                              f'{os.getpid()} on host {socket.gethostname()} (started ')
        assert 'pass another --work-dir' in msg
        # other ranks never touch the lock, so they cannot wait on it
        with work_dir_lock(str(work_dir), take=False):
            pass
    assert not (work_dir / LOCK_NAME).exists()
    with pytest.raises(RuntimeError, match='boom'):
        with work_dir_lock(str(work_dir)):
            raise RuntimeError('boom')
    assert not (work_dir / LOCK_NAME).exists()  # released on exceptions too


@pytest.mark.parametrize('flock', [True, False], ids=['flock', 'pid-only'])
def test_stale_lock_of_a_dead_process_is_recovered_with_a_message(tmp_path, mm_log,
                                                                  monkeypatch, flock):
    if not flock:  # a file system without flock: the owner's pid decides
        monkeypatch.setattr(lock_module, '_flock', lambda fd: None)
    work_dir = tmp_path / 'run'
    pid = dead_pid()
    write_owner(work_dir, pid=pid)
    with work_dir_lock(str(work_dir)):
        assert json.loads((work_dir / LOCK_NAME).read_text())['pid'] == os.getpid()
    (msg, ) = [m for m in mm_log.messages() if 'stale lock' in m]
    assert msg.startswith(f'{work_dir / LOCK_NAME}: recovered a stale lock of pid {pid} '
                          f'on host {socket.gethostname()} (started 2026-01-01T00:00:00: '
                          'tools/train.py x.py): that process is no longer running')
    if not flock:  # without flock a live owner on this host still holds it
        write_owner(work_dir, pid=os.getppid())
        with pytest.raises(WorkDirLockedError, match=f'pid {os.getppid()} on host'):
            with work_dir_lock(str(work_dir)):
                pass


def test_a_lock_from_another_host_is_never_broken(tmp_path):
    work_dir = tmp_path / 'run'
    write_owner(work_dir, pid=dead_pid(), host='elsewhere')
    with pytest.raises(WorkDirLockedError) as info:
        with work_dir_lock(str(work_dir)):
            pass
    assert 'on host elsewhere' in str(info.value)
    assert str(info.value).endswith(f'delete {work_dir / LOCK_NAME}.')


def test_only_global_rank_zero_takes_it(monkeypatch):
    assert launcher_rank('none') == 0
    monkeypatch.setenv('RANK', '3')
    monkeypatch.setenv('SLURM_PROCID', '2')
    assert launcher_rank('pytorch') == 3 and launcher_rank('slurm') == 2
    assert launcher_rank('none') == 0
