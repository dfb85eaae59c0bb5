"""Killed saves, resume fallbacks, strict loading and work-dir ownership, end to end
through tools/train.py, tools/test.py and tools/predict.py on the tiny ResNet."""
import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / 'tests' / 'fixtures' / 'tiny_resnet_lt.py'
KILL_PLUGIN = REPO / 'tests' / 'fixtures' / 'kill_save'


def data_root_options(root: Path, *extra: str) -> list:
    return ['--cfg-options', *extra] + [
        f'{loader}.dataset.data_root={root}'
        for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader')]


def run(args: list, **env_extra) -> subprocess.CompletedProcess:
    """Run a tool; the caller checks the return code."""
    env = dict(os.environ, PYTHONUNBUFFERED='1', OMP_NUM_THREADS='1', **env_extra)
    return subprocess.run([sys.executable, *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=600)


def ok(proc: subprocess.CompletedProcess) -> str:
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-6000:]
    return log


def train_args(work_dir: Path, root: Path, *options: str, extra=()) -> list:
    return ['tools/train.py', str(CONFIG), '--work-dir', str(work_dir), *extra,
            *data_root_options(root, *options)]


@pytest.fixture(scope='module')
def one_epoch(tiny_lt_world, tmp_path_factory) -> Path:
    work_dir = tmp_path_factory.mktemp('one_epoch')
    ok(run(train_args(work_dir, tiny_lt_world, 'train_cfg.max_epochs=1')))
    return work_dir / 'epoch_1.pth'


def test_killed_save_keeps_the_previous_checkpoint_and_resumes(tiny_lt_world, tmp_path):
    work_dir = tmp_path / 'run'
    keep_one = 'default_hooks.checkpoint.max_keep_ckpts=1'
    proc = run(train_args(work_dir, tiny_lt_world, keep_one),
               PYTHONPATH=f'{KILL_PLUGIN}{os.pathsep}{REPO}', LMPT_TEST_KILL_SAVE='epoch_2')
    assert proc.returncode == 137, (proc.stdout + proc.stderr)[-4000:]
    # MMEngine deleted epoch_1.pth before writing epoch_2.pth and left a truncated
    # epoch_2.pth: nothing to resume from. Here epoch_1.pth is kept, complete.
    assert torch.load(work_dir / 'epoch_1.pth', weights_only=True)['meta']['epoch'] == 1
    assert not (work_dir / 'epoch_2.pth').exists()
    assert (work_dir / 'last_checkpoint').read_text() == str(work_dir / 'epoch_1.pth')
    (leftover, ) = work_dir.glob('.epoch_2.pth.*.tmp')
    log = ok(run(train_args(work_dir, tiny_lt_world, keep_one, extra=['--resume'])))
    assert 'resumed epoch: 1' in log
    assert f'removed {leftover.name}' in log and not leftover.exists()
    assert torch.load(work_dir / 'epoch_2.pth', weights_only=True)['meta']['epoch'] == 2
    assert not (work_dir / 'epoch_1.pth').exists()  # max_keep_ckpts=1, after the save
    assert (work_dir / 'last_checkpoint').read_text() == str(work_dir / 'epoch_2.pth')


def test_empty_last_checkpoint_resumes_from_newest_complete(one_epoch, tiny_lt_world,
                                                           tmp_path):
    work_dir = tmp_path / 'run'
    work_dir.mkdir()
    shutil.copy(one_epoch, work_dir / 'epoch_1.pth')
    (work_dir / 'epoch_2.pth').write_bytes(b'')  # a cut save of an older hook
    (work_dir / 'last_checkpoint').write_text('')
    log = ok(run(train_args(work_dir, tiny_lt_world, extra=['--resume', 'auto'])))
    assert (f'{work_dir / "last_checkpoint"} is empty; resuming from the newest '
            f'complete checkpoint {work_dir / "epoch_1.pth"}') in log
    assert 'resumed epoch: 1' in log
    assert torch.load(work_dir / 'epoch_2.pth', weights_only=True)['meta']['epoch'] == 2


@pytest.fixture(scope='module')
def five_class_checkpoint(one_epoch, tmp_path_factory) -> Path:
    """``one_epoch`` with a 5-class head, as a checkpoint of another class count."""
    ckpt = torch.load(one_epoch, weights_only=True)
    ckpt['state_dict']['head.fc.weight'] = torch.zeros(5, 512)
    ckpt['state_dict']['head.fc.bias'] = torch.zeros(5)
    path = tmp_path_factory.mktemp('other') / 'five_classes.pth'
    torch.save(ckpt, path)
    return path


def assert_mismatch_error(proc, checkpoint: Path) -> None:
    log = proc.stdout + proc.stderr
    assert proc.returncode != 0, log[-4000:]
    assert (f'checkpoint {checkpoint} does not fit the model of config {CONFIG}: '
            '2 shape mismatches (first: head.fc.weight: checkpoint [5, 512] vs model '
            '[4, 512]') in log, log[-4000:]


def test_test_tool_refuses_a_checkpoint_of_another_class_count(
        five_class_checkpoint, tiny_lt_world, tmp_path):
    proc = run(['tools/test.py', str(CONFIG), str(five_class_checkpoint), '--work-dir',
                str(tmp_path), *data_root_options(tiny_lt_world)])
    assert_mismatch_error(proc, five_class_checkpoint)
    assert not (tmp_path / 'metrics.json').exists()


def test_predict_refuses_a_checkpoint_of_another_class_count(five_class_checkpoint,
                                                             tiny_lt_world):
    proc = run(['tools/predict.py', str(CONFIG), str(five_class_checkpoint),
                str(tiny_lt_world / 'images' / 'test_000.png'), '--device', 'cpu'])
    assert_mismatch_error(proc, five_class_checkpoint)


def test_resume_refuses_an_incompatible_checkpoint(five_class_checkpoint, tiny_lt_world,
                                                   tmp_path):
    proc = run(train_args(tmp_path, tiny_lt_world,
                          extra=['--resume', str(five_class_checkpoint)]))
    assert_mismatch_error(proc, five_class_checkpoint)
    assert not list(tmp_path.glob('epoch_*.pth'))


def _train_tool():
    spec = importlib.util.spec_from_file_location('_train_tool', REPO / 'tools' / 'train.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_work_dir_of_another_config_is_refused(one_epoch, tiny_lt_world, tmp_path,
                                               mm_log):
    from lmpt_mm.cli.runner_setup import prepare_train_cfg
    from lmpt_mm.cli.work_dir_guard import WorkDirConflictError
    tool = _train_tool()
    work_dir = tmp_path / 'shared'
    work_dir.mkdir()
    shutil.copy(one_epoch, work_dir / 'epoch_1.pth')
    (work_dir / 'last_checkpoint').write_text(str(work_dir / 'epoch_1.pth'))
    other = 'optim_wrapper.optimizer.lr=0.05'  # another run: another fingerprint

    def prepare(*extra, options=(other, )):
        return prepare_train_cfg(tool.parse_args(train_args(
            work_dir, tiny_lt_world, *options, extra=extra)[1:]))

    owner = torch.load(one_epoch, weights_only=True)['meta']['lmpt_config']
    assert owner['name'] == 'tiny_resnet_lt'
    with pytest.raises(WorkDirConflictError) as info:
        prepare()
    msg = str(info.value)
    assert msg.startswith(f'work dir {work_dir} holds checkpoints of another config: '
                          f"{work_dir / 'epoch_1.pth'} was written by 'tiny_resnet_lt' "
                          f"(config hash {owner['hash']}), this run is "
                          "'tiny_resnet_lt' (config hash ")
    assert msg.endswith('pass another --work-dir, or --force-work-dir to train here '
                        'anyway.')
    with pytest.raises(WorkDirConflictError, match=r'--resume auto: .*epoch_1\.pth in '
                       r'.* was written by .*not by this config'):
        prepare('--resume', 'auto')
    assert prepare('--force-work-dir').work_dir == str(work_dir)
    assert any('training here anyway (--force-work-dir)' in m for m in mm_log.messages())
    # The same config may train and resume there.
    assert prepare(options=()).get('resume') in (None, False)
    cfg = prepare('--resume', options=())
    assert cfg.resume and cfg.load_from == str(work_dir / 'epoch_1.pth')
    assert {'type': 'StrictCheckpointLoadHook'} in cfg.custom_hooks
    assert cfg.default_hooks.checkpoint.type == 'AtomicCheckpointHook'


def test_missing_test_images_stop_training_before_the_first_step(tiny_lt_world,
                                                                 tmp_path):
    root = shutil.copytree(tiny_lt_world, tmp_path / 'world')
    for k in (3, 7):
        (root / 'images' / f'test_{k:03d}.png').unlink()
    work_dir = tmp_path / 'run'
    proc = run(train_args(work_dir, root))
    log = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert (f'2 of 12 val images listed in {root / "test.txt"} cannot be read (first: '
            f'{root / "images" / "test_003.png"} (the file does not exist); '
            f'{root / "images" / "test_007.png"} (the file does not exist))') in log, \
        log[-3000:]
    assert 'Epoch(train)' not in log and not list(work_dir.glob('epoch_*.pth'))


def test_non_finite_loss_stops_at_once_naming_term_and_cache(tiny_lt_world, tmp_path):
    work_dir = tmp_path / 'run'
    lmpt = REPO / 'tests' / 'fixtures' / 'tiny_lmpt_lt.py'
    proc = run(['tools/train.py', str(lmpt), '--work-dir', str(work_dir),
                *data_root_options(tiny_lt_world, 'model.head.cse_loss.loss_weight=nan')])
    log = proc.stdout + proc.stderr
    assert proc.returncode != 0
    (cache, ) = (work_dir / 'feature_cache').glob('*.pt')
    assert ('FloatingPointError: non-finite loss at iteration 1 (epoch 1, batch 1): '
            'loss_cse=nan (total loss=nan). Training stopped; checkpoints saved before '
            'this iteration are intact. Training was on cached image features from '
            f'{cache}; they are finite, so the loss itself diverged.') in log, log[-3000:]
    assert 'Epoch(train)' not in log and not list(work_dir.glob('epoch_*.pth'))
