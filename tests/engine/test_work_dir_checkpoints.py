"""Atomic writes, resume fallback, config fingerprints and strict checkpoint fit."""
import os

import pytest
import torch
from mmengine.config import Config
from torch import nn

from lmpt_mm.engine.work_dir_checkpoints import (CheckpointMismatchError,
                                                 atomic_write_bytes,
                                                 check_checkpoint_fits,
                                                 config_fingerprint,
                                                 find_resume_checkpoint,
                                                 is_complete_checkpoint)


def test_atomic_write_keeps_the_old_file_when_the_write_fails(tmp_path, monkeypatch):
    path = tmp_path / 'last_checkpoint'
    path.write_text('old')

    def fail(fd):
        raise OSError('disk full')

    monkeypatch.setattr(os, 'fsync', fail)
    with pytest.raises(OSError, match='disk full'):
        atomic_write_bytes(str(path), b'new')
    monkeypatch.undo()
    assert path.read_text() == 'old'
    assert sorted(p.name for p in tmp_path.iterdir()) == ['last_checkpoint']
    atomic_write_bytes(str(path), b'new')
    assert path.read_text() == 'new'


def save(path, epoch):
    torch.save({'meta': {'epoch': epoch}, 'state_dict': {'w': torch.ones(2)}}, path)
    return str(path)


@pytest.mark.parametrize('content', ['', 'missing', 'truncated'])
def test_bad_last_checkpoint_falls_back_to_newest_complete(tmp_path, mm_log, content):
    first = save(tmp_path / 'epoch_1.pth', 1)
    second = save(tmp_path / 'epoch_2.pth', 2)
    data = open(second, 'rb').read()
    open(second, 'wb').write(data[:len(data) // 2])  # a save that was cut
    assert is_complete_checkpoint(first) and not is_complete_checkpoint(second)
    target = {'': '', 'missing': str(tmp_path / 'epoch_9.pth'),
              'truncated': second}[content]
    (tmp_path / 'last_checkpoint').write_text(target)
    assert find_resume_checkpoint(str(tmp_path)) == first
    (msg, ) = mm_log.messages()
    expected = {'': 'last_checkpoint is empty', 'missing': 'which does not exist',
                'truncated': 'which is incomplete'}[content]
    assert expected in msg
    assert f'resuming from the newest complete checkpoint {first}' in msg


def test_no_complete_checkpoint_means_a_fresh_start(tmp_path, mm_log):
    (tmp_path / 'last_checkpoint').write_text('')
    assert find_resume_checkpoint(str(tmp_path)) is None
    assert 'training starts afresh' in mm_log.messages()[0]


def test_fingerprint_ignores_paths_and_length_but_not_the_model():
    base = dict(model=dict(type='A', num_classes=4), optim_wrapper=dict(lr=0.1),
                train_cfg=dict(max_epochs=2), work_dir='a')
    a = Config(base)
    b = Config(dict(base, train_cfg=dict(max_epochs=5), work_dir='b',
                    load_from='c.pth'))
    c = Config(dict(base, model=dict(type='A', num_classes=5)))
    object.__setattr__(a, '_filename', 'x/tiny.py')  # as Config.fromfile sets it
    assert config_fingerprint(a)['hash'] == config_fingerprint(b)['hash']
    assert config_fingerprint(a)['name'] == 'tiny'
    assert config_fingerprint(a)['hash'] != config_fingerprint(c)['hash']


class Tiny(nn.Module):

    def __init__(self, classes=4, trainable_only=False):
        super().__init__()
        self.frozen = nn.Linear(3, 3)
        self.head = nn.Linear(3, classes)
        self.trainable_only = trainable_only
        self._register_state_dict_hook(self._drop)

    @staticmethod
    def _drop(module, state, prefix, meta):
        if module.trainable_only:
            for key in [k for k in state if k.startswith(prefix + 'frozen.')]:
                del state[key]


def test_checkpoint_fit_is_strict_on_what_the_model_saves():
    model = Tiny(trainable_only=True)
    check_checkpoint_fits(model, {'state_dict': model.state_dict()}, 'a.pth')
    check_checkpoint_fits(model, {'state_dict': Tiny().state_dict()}, 'full.pth')
    ddp = {'state_dict': {f'module.{k}': v for k, v in model.state_dict().items()}}
    check_checkpoint_fits(model, ddp, 'ddp.pth')
    other = {'state_dict': Tiny(classes=5).state_dict(),
             'meta': {'lmpt_config': {'name': 'other_cfg', 'hash': 'abc'}}}
    with pytest.raises(CheckpointMismatchError) as info:
        check_checkpoint_fits(model, other, 'other.pth', 'configs/mine.py')
    msg = str(info.value)
    assert msg.startswith('checkpoint other.pth does not fit the model of config '
                          'configs/mine.py: 2 shape mismatches (first: head.weight: '
                          'checkpoint [5, 3] vs model [4, 3]')
    assert "written by config 'other_cfg' (config hash abc)" in msg
    with pytest.raises(CheckpointMismatchError, match=r'1 missing keys \(first: '
                       r'head\.bias\), 1 unexpected keys \(first: fc\.bias\)'):
        check_checkpoint_fits(model, {'head.weight': torch.zeros(4, 3),
                                      'fc.bias': torch.zeros(4)}, 'b.pth')


@pytest.mark.parametrize('run, checked', [('test', True), ('resume', True),
                                          ('train from load_from', False)])
def test_strict_load_hook_checks_tests_and_resumes_not_a_train_init(run, checked):
    """Declared once in the runtime base, the hook tells the runs apart itself: a test
    or resumed checkpoint must fit, a training run's ``load_from`` may initialise
    another model (HP-DVAL stage 2 from stage 1)."""
    from types import SimpleNamespace

    from mmengine.runner import BaseLoop

    from lmpt_mm.engine.hooks import StrictCheckpointLoadHook

    class Loop(BaseLoop):
        def run(self):
            pass

    built = Loop.__new__(Loop)  # what Runner.train holds before loading
    runner = SimpleNamespace(
        model=Tiny(), _train_loop=dict(type='EpochBasedTrainLoop') if run == 'test'
        else built, _resume=run == 'resume', _load_from='other.pth',
        cfg=SimpleNamespace(filename='configs/mine.py'))
    hook = StrictCheckpointLoadHook()
    hook.before_run(runner)
    other = {'state_dict': Tiny(classes=5).state_dict()}
    if checked:
        with pytest.raises(CheckpointMismatchError, match='checkpoint other.pth does not '
                           'fit the model of config configs/mine.py'):
            hook.after_load_checkpoint(runner, other)
    else:
        hook.after_load_checkpoint(runner, other)
