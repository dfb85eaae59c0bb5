"""Which checkpoint a finished run's work dir points to, also after the work dir was
copied or moved (MMEngine's ``last_checkpoint`` holds an absolute path)."""
import pytest

from lmpt_mm.suite.plan import LastCheckpoint


def finished_run(work_dir, pointer_to):
    work_dir.mkdir(parents=True)
    (work_dir / 'epoch_2.pth').write_bytes(b'w')
    (work_dir / 'last_checkpoint').write_text(str(pointer_to) + '\n')
    return work_dir


def test_points_into_its_own_work_dir(tmp_path):
    wd = finished_run(tmp_path / 'run', tmp_path / 'run' / 'epoch_2.pth')
    assert LastCheckpoint(wd).resolve() == str(wd / 'epoch_2.pth')


def test_a_moved_work_dir_reads_its_own_file_of_that_name(tmp_path):
    # written where the run trained, then the whole folder moved (the original is gone)
    wd = finished_run(tmp_path / 'moved', tmp_path / 'gone' / 'run' / 'epoch_2.pth')
    assert LastCheckpoint(wd).resolve() == str(wd / 'epoch_2.pth')


def test_a_copied_work_dir_reads_its_own_file_not_the_original(tmp_path):
    original = finished_run(tmp_path / 'original', tmp_path / 'original' / 'epoch_2.pth')
    copy = finished_run(tmp_path / 'copy', original / 'epoch_2.pth')
    assert LastCheckpoint(copy).resolve() == str(copy / 'epoch_2.pth')


def test_a_pointer_with_no_file_of_that_name_here_is_returned_as_written(tmp_path):
    elsewhere = tmp_path / 'elsewhere' / 'epoch_9.pth'
    wd = finished_run(tmp_path / 'run', elsewhere)
    assert LastCheckpoint(wd).resolve() == str(elsewhere)


def test_an_unfinished_run_is_named(tmp_path):
    (tmp_path / 'run').mkdir()
    with pytest.raises(FileNotFoundError, match='has no last_checkpoint'):
        LastCheckpoint(tmp_path / 'run').resolve()


def test_an_empty_pointer_is_named(tmp_path):
    wd = finished_run(tmp_path / 'run', '')
    with pytest.raises(FileNotFoundError, match=r'last_checkpoint is empty'):
        LastCheckpoint(wd).resolve()
