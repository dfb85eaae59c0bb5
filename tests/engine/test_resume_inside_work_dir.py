"""--resume auto resumes only the work dir's own checkpoints: a copied work dir's
absolute last_checkpoint (into the original) is not followed."""
import shutil

import pytest
import torch

from lmpt_mm.engine.work_dir_checkpoints import (ResumeOutsideWorkDirError,
                                                 find_resume_checkpoint)


@pytest.fixture
def original_and_copy(tmp_path):
    original = tmp_path / 'original'
    original.mkdir()
    for epoch in (1, 2):
        torch.save({'meta': {'epoch': epoch}, 'state_dict': {'w': torch.ones(2)}},
                   original / f'epoch_{epoch}.pth')
    (original / 'last_checkpoint').write_text(str(original / 'epoch_2.pth'))
    copy = shutil.copytree(original, tmp_path / 'copy')
    return original, copy


def test_copied_work_dir_resumes_its_own_file_of_that_name(original_and_copy, mm_log):
    original, copy = original_and_copy
    assert find_resume_checkpoint(str(original)) == str(original / 'epoch_2.pth')
    assert find_resume_checkpoint(str(copy)) == str(copy / 'epoch_2.pth')
    (msg, ) = mm_log.messages()
    assert msg == (f'{copy / "last_checkpoint"} names {original / "epoch_2.pth"}, outside '
                   f'this work dir (copied or moved from there?): resuming from '
                   f'{copy / "epoch_2.pth"}, the file of that name here.')


def test_pointer_out_of_the_work_dir_without_that_file_is_refused(original_and_copy):
    original, copy = original_and_copy
    (copy / 'epoch_2.pth').unlink()
    with pytest.raises(ResumeOutsideWorkDirError) as info:
        find_resume_checkpoint(str(copy))
    msg = str(info.value)
    assert msg.startswith(f'{copy / "last_checkpoint"} names {original / "epoch_2.pth"}, '
                          f'outside the work dir {copy}')
    assert f'Pass --resume {original / "epoch_2.pth"} to continue from that file' in msg
