from collections import OrderedDict

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer, MessageHub

from lmpt_mm.engine.safe_checkpoint import (allow_unsafe_checkpoint_load, from_weights_only_tree,
                           load_local_checkpoint, to_weights_only_tree)


def message_hub_state() -> dict:
    hub = MessageHub.get_instance('test_safe_checkpoint')
    for value in (0.5, 0.25, 0.125):
        hub.update_scalar('train/loss', value)
    hub.update_info('eta', np.float64(3.5))
    hub.update_info('last_ckpt', 'epoch_1.pth')
    return hub.state_dict()


def test_tree_round_trip_restores_history_buffers(tmp_path):
    ckpt = {'meta': {'seed': np.int64(3), 'arr': np.arange(4)},
            'message_hub': message_hub_state(),
            'state_dict': OrderedDict(w=torch.ones(2))}
    path = tmp_path / 'ckpt.pth'
    torch.save(to_weights_only_tree(ckpt), path)
    loaded = torch.load(path, weights_only=True)  # no arbitrary globals needed
    assert loaded['meta']['seed'] == 3 and type(loaded['meta']['seed']) is int
    assert torch.equal(loaded['meta']['arr'], torch.arange(4))
    hub = from_weights_only_tree(loaded['message_hub'])
    buffer = hub['log_scalars']['train/loss']
    assert isinstance(buffer, HistoryBuffer)
    original = ckpt['message_hub']['log_scalars']['train/loss']
    np.testing.assert_array_equal(buffer.data[0], original.data[0])
    assert buffer.mean() == pytest.approx(original.mean())
    assert type(hub['runtime_info']['eta']) is float


def test_unknown_objects_are_refused_at_save_time():
    with pytest.raises(TypeError, match='weights_only'):
        to_weights_only_tree({'x': object()})


def test_loader_refuses_pickles_unless_opted_in(tmp_path):
    path = tmp_path / 'foreign.pth'
    torch.save({'meta': {'x': np.arange(3)}}, path)
    with pytest.raises(RuntimeError, match='--unsafe-load'):
        load_local_checkpoint(str(path))
    allow_unsafe_checkpoint_load(True)
    try:
        assert np.array_equal(load_local_checkpoint(str(path))['meta']['x'], np.arange(3))
    finally:
        allow_unsafe_checkpoint_load(False)
    with pytest.raises(RuntimeError, match='unsafe_checkpoint_load'):
        load_local_checkpoint(str(path))


def test_loader_names_a_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match='missing.pth'):
        load_local_checkpoint(str(tmp_path / 'missing.pth'))


def test_mmengine_uses_the_safe_loader(tmp_path):
    from mmengine.runner.checkpoint import CheckpointLoader
    assert CheckpointLoader._get_checkpoint_loader(str(tmp_path / 'x.pth')) is \
        load_local_checkpoint


# --- corrupt files vs files that need globals --------------------------
class _RunsCode:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        import os
        return os.system, (f'touch {self.marker}', )


@pytest.mark.parametrize('kind', ['empty', 'truncated', 'random', 'text'])
@pytest.mark.parametrize('opted_in', [False, True])
def test_corrupt_checkpoint_never_suggests_the_opt_in(tmp_path, kind, opted_in):
    from lmpt_mm.engine.safe_checkpoint import CorruptCheckpointError
    good = tmp_path / 'good.pth'
    torch.save({'state_dict': {'w': torch.ones(64)}}, good)
    data = good.read_bytes()
    content = {'empty': b'', 'truncated': data[:len(data) // 2],
               'random': np.random.default_rng(0).bytes(1000), 'text': b'hello'}[kind]
    path = tmp_path / f'{kind}.pth'
    path.write_bytes(content)
    allow_unsafe_checkpoint_load(opted_in)
    try:
        with pytest.raises(CorruptCheckpointError) as info:
            load_local_checkpoint(str(path))
    finally:
        allow_unsafe_checkpoint_load(False)
    msg = str(info.value)
    assert f'{path} is not a readable checkpoint' in msg and 'truncated' in msg
    assert 'unsafe' not in msg and 'weights_only=False' not in msg
    if kind == 'empty':
        assert 'empty (0 bytes)' in msg


def test_needs_globals_names_the_global_and_runs_nothing(tmp_path):
    marker = tmp_path / 'pwned'
    path = tmp_path / 'evil.pth'
    torch.save({'meta': _RunsCode(marker)}, path)
    with pytest.raises(RuntimeError, match=r'needs the pickled global posix\.system.*'
                       r'--unsafe-load'):
        load_local_checkpoint(str(path))
    assert not marker.exists()
    numpy_ckpt = tmp_path / 'numpy.pth'
    torch.save({'meta': {'x': np.arange(3)}}, numpy_ckpt)
    with pytest.raises(RuntimeError, match=r'global numpy\._core\.multiarray\._reconstruct'):
        load_local_checkpoint(str(numpy_ckpt))
