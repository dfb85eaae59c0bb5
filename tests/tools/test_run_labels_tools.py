"""Through tools/train.py and tools/test.py on the tiny ResNet (in-process; one
command-line run): the work-dir lock, metrics.json naming the tested checkpoint,
--resume auto in a copied work dir, and the refusals of a run that would train
nothing."""
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lmpt_mm.cli.compare import collect
from lmpt_mm.engine.work_dir_checkpoints import ResumeOutsideWorkDirError
from lmpt_mm.engine.work_dir_lock import LOCK_NAME, WorkDirLockedError, work_dir_lock
from lmpt_mm.utils.hashing import file_sha256

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / 'tests' / 'fixtures' / 'tiny_resnet_lt.py'


def _tool(name: str):
    spec = importlib.util.spec_from_file_location(f'_{name}_tool',
                                                  REPO / 'tools' / f'{name}.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def data_options(root: Path, *extra: str) -> list:
    return ['--cfg-options', *extra] + [
        f'{loader}.dataset.data_root={root}'
        for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader')]


def train_argv(work_dir: Path, root: Path, *options: str, extra=()) -> list:
    return [str(CONFIG), '--work-dir', str(work_dir), *extra,
            *data_options(root, *options)]


@pytest.fixture(scope='module')
def trained(tmp_path_factory) -> Path:
    """A work dir holding the tiny ResNet's untrained weights as ``epoch_1.pth``, as a
    run of one epoch leaves it (the weights' values do not matter here)."""
    import torch
    from mmengine.config import Config
    from mmpretrain.registry import MODELS
    work_dir = tmp_path_factory.mktemp('trained')
    model = MODELS.build(Config.fromfile(str(CONFIG)).model)
    torch.save({'state_dict': model.state_dict(), 'meta': {'epoch': 1}},
               work_dir / 'epoch_1.pth')
    (work_dir / 'last_checkpoint').write_text(str(work_dir / 'epoch_1.pth'))
    return work_dir


def test_metrics_json_names_the_tested_checkpoint(trained, tiny_lt_world, tmp_path):
    ckpt = trained / 'epoch_1.pth'
    _tool('test').main([str(CONFIG), str(ckpt), '--work-dir', str(tmp_path),
                        *data_options(tiny_lt_world)])
    record = json.loads((tmp_path / 'metrics.json').read_text())
    assert record['checkpoint'] == dict(path=str(ckpt), sha256=file_sha256(str(ckpt)))
    assert record['split'] == 'test'
    assert not (tmp_path / LOCK_NAME).exists()  # released when the run ended
    (result, ) = collect([tmp_path])
    assert result.has_test and not result.stale


def test_a_work_dir_in_use_is_refused_by_train_and_test(trained, tiny_lt_world,
                                                        tmp_path):
    work_dir = tmp_path / 'busy'
    with work_dir_lock(str(work_dir)):
        for tool, argv in (('train', train_argv(work_dir, tiny_lt_world)),
                           ('test', [str(CONFIG), str(trained / 'epoch_1.pth'),
                                     '--work-dir', str(work_dir),
                                     *data_options(tiny_lt_world)])):
            with pytest.raises(WorkDirLockedError, match=f'pid {os.getpid()} on host'):
                _tool(tool).main(argv)
        # the same through the command line: exit code and message
        proc = subprocess.run([sys.executable, 'tools/train.py',
                               *train_argv(work_dir, tiny_lt_world)], cwd=REPO,
                              capture_output=True, text=True, timeout=600,
                              env=dict(os.environ, OMP_NUM_THREADS='1'))
        assert proc.returncode != 0
        assert (f'WorkDirLockedError: work dir {work_dir} is in use by another run: pid '
                f'{os.getpid()}') in proc.stderr, proc.stderr[-3000:]
    assert not list(work_dir.glob('epoch_*.pth'))


def test_resume_auto_in_a_copied_work_dir(trained, tiny_lt_world, tmp_path, mm_log):
    from lmpt_mm.cli.runner_setup import prepare_train_cfg
    tool = _tool('train')
    copy = shutil.copytree(trained, tmp_path / 'copy')
    assert (copy / 'last_checkpoint').read_text() == str(trained / 'epoch_1.pth')

    def prepare():
        return prepare_train_cfg(tool.parse_args(train_argv(
            copy, tiny_lt_world, extra=['--resume', 'auto'])))

    assert prepare().load_from == str(copy / 'epoch_1.pth')
    assert any('outside this work dir' in m for m in mm_log.messages())
    (copy / 'epoch_1.pth').unlink()
    with pytest.raises(ResumeOutsideWorkDirError, match='only resumes the work dir'):
        prepare()


def test_a_run_that_would_train_nothing_is_refused(tiny_lt_world, tmp_path):
    tool = _tool('train')
    with pytest.raises(ValueError, match=r'train_cfg.max_epochs=0 \(.*tiny_resnet_lt.py\): '
                       'a run must train at least one epoch'):
        tool.main(train_argv(tmp_path, tiny_lt_world, 'train_cfg.max_epochs=0'))
    with pytest.raises(ValueError, match=r'train_dataloader yields no batch: 16 training '
                       r'image\(s\) \(.*train.txt\) on this process, fewer than '
                       'batch_size=32, with drop_last=True'):
        tool.main(train_argv(tmp_path, tiny_lt_world, 'train_dataloader.batch_size=32',
                             'train_dataloader.drop_last=True'))
    assert not (tmp_path / LOCK_NAME).exists()  # released on the exception
    assert not list(tmp_path.glob('epoch_*.pth'))
