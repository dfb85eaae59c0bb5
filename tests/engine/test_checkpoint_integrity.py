"""Damaged checkpoints are refused, naming the file: sha256 sidecars written with
every save, zip CRC-32s for checkpoints without one; tools/test.py goes through it."""
import importlib.util
import logging
import os
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch
from mmengine.logging import MessageHub

from lmpt_mm.engine.hooks import AtomicCheckpointHook
from lmpt_mm.engine.safe_checkpoint import CorruptCheckpointError, load_local_checkpoint
from lmpt_mm.engine.work_dir_checkpoints import checksum_path
from lmpt_mm.utils.hashing import file_sha256

REPO = Path(__file__).resolve().parents[2]


def flip_bytes_mid_file(path: Path, count: int = 200) -> None:
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    for i in range(middle, middle + count):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))


def save_checkpoint(path: Path, seed: int = 0) -> dict:
    gen = torch.Generator().manual_seed(seed)
    ckpt = {'state_dict': {'w': torch.randn(64, 64, generator=gen)}, 'meta': {}}
    torch.save(ckpt, path)
    return ckpt


def test_flipped_bytes_without_sidecar_fail_the_zip_crc(tmp_path):
    path = tmp_path / 'epoch_3.pth'
    ckpt = save_checkpoint(path)
    flip_bytes_mid_file(path)
    # torch.load checks no CRC: the damage would load as other weights.
    damaged = torch.load(path, weights_only=True)
    assert not torch.equal(damaged['state_dict']['w'], ckpt['state_dict']['w'])
    with pytest.raises(CorruptCheckpointError) as err:
        load_local_checkpoint(str(path))
    msg = str(err.value)
    assert msg.startswith(f'checkpoint {path} is not a readable checkpoint: its member '
                          'epoch_3/data/0 fails the zip CRC-32 check')
    assert 'earlier epoch_*.pth' in msg


def test_sidecar_mismatch_is_refused_naming_both_files(tmp_path):
    path = tmp_path / 'epoch_1.pth'
    save_checkpoint(path)
    recorded = file_sha256(str(path))
    Path(checksum_path(str(path))).write_text(f'{recorded}  epoch_1.pth\n')
    assert torch.equal(load_local_checkpoint(str(path))['state_dict']['w'],
                       torch.load(path, weights_only=True)['state_dict']['w'])
    save_checkpoint(path, seed=1)  # a valid archive, but not the bytes that were saved
    with pytest.raises(CorruptCheckpointError) as err:
        load_local_checkpoint(str(path))
    assert (f'its sha256 {file_sha256(str(path))[:16]}... differs from '
            f'{recorded[:16]}... recorded in {path}.sha256 when it was saved'
            ) in str(err.value)
    os.remove(checksum_path(str(path)))  # replaced on purpose: drop the sidecar
    load_local_checkpoint(str(path))


def test_hook_writes_a_sidecar_per_checkpoint_and_drops_old_ones(tmp_path):
    hub = MessageHub.get_instance('test_checkpoint_integrity')

    def save(out_dir, filename, *args, **kwargs):
        save_checkpoint(Path(out_dir) / filename, seed=len(filename))

    runner = SimpleNamespace(work_dir=str(tmp_path), message_hub=hub,
                             logger=logging.getLogger('test'), save_checkpoint=save)
    hook = AtomicCheckpointHook(interval=1, max_keep_ckpts=1)
    hook.before_train(runner)
    for epoch in (1, 2):
        hook._save_checkpoint_with_step(runner, epoch, meta={})
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        'epoch_2.pth', 'epoch_2.pth.sha256', 'last_checkpoint']
    assert (tmp_path / 'epoch_2.pth.sha256').read_text() == (
        f'{file_sha256(str(tmp_path / "epoch_2.pth"))}  epoch_2.pth\n')
    hook._save_checkpoint_with_step(runner, 2, meta={})  # same name saved again
    load_local_checkpoint(str(tmp_path / 'epoch_2.pth'))


def test_test_tool_refuses_a_damaged_checkpoint(tiny_lt_world, tmp_path):
    spec = importlib.util.spec_from_file_location('_test_tool', REPO / 'tools' / 'test.py')
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    path = tmp_path / 'epoch_1.pth'
    save_checkpoint(path)
    flip_bytes_mid_file(path)
    argv = [str(REPO / 'tests' / 'fixtures' / 'tiny_resnet_lt.py'), str(path),
            '--work-dir', str(tmp_path / 'test'), '--cfg-options'] + [
        f'{loader}.dataset.data_root={tiny_lt_world}'
        for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader')]
    with pytest.raises(CorruptCheckpointError, match=f'checkpoint {path} is not a '
                       'readable checkpoint: its member .* fails the zip CRC-32'):
        tool.main(argv)
    assert not (tmp_path / 'test' / 'metrics.json').exists()
