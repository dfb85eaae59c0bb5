import argparse
import random
from pathlib import Path

import numpy as np
import pytest
import torch

import lmpt_mm  # noqa: F401
from lmpt_mm.engine import DeviceAgnosticDDP, epoch_seed
from lmpt_mm.engine.hooks import EpochSeedHook
from lmpt_mm.cli.runner_setup import prepare_test_cfg, prepare_train_cfg
from lmpt_mm.engine.safety import CHECKPOINT_HOOK, MODEL_WRAPPER, SAFETY_HOOKS

CONFIG = 'tests/fixtures/tiny_resnet_lt.py'


def train_args(**overrides) -> argparse.Namespace:
    args = dict(config=CONFIG, work_dir=None, cfg_options=None, launcher='none',
                unsafe_load=False, resume=None, amp=False, auto_scale_lr=False,
                no_validate=False)
    args.update(overrides)
    return argparse.Namespace(**args)


@pytest.fixture(autouse=True)
def repo_cwd(monkeypatch, repo_root):
    monkeypatch.chdir(repo_root)


def test_declared_safety_hooks_run_as_declared_and_persistent_workers_fix(mm_log):
    cfg = prepare_train_cfg(train_args())
    assert [h['type'] for h in cfg.custom_hooks] == list(SAFETY_HOOKS)
    assert cfg.default_hooks.checkpoint.type == CHECKPOINT_HOOK
    assert cfg.model_wrapper_cfg.type == MODEL_WRAPPER
    assert not [m for m in mm_log.messages() if 'default_runtime' in m]
    # persistent_workers=True with num_workers=0 would make torch raise.
    assert cfg.train_dataloader.persistent_workers is False
    assert cfg.work_dir.endswith('tiny_resnet_lt')


def without_safety(tmp_path) -> str:
    """The tiny config with one safety hook kept, MMEngine's checkpoint hook and no
    model wrapper."""
    path = tmp_path / 'unsafe.py'
    path.write_text(f"_base_ = ['{Path(CONFIG).resolve()}']\n"
                    "custom_hooks = [dict(type='EpochSeedHook')]\n"
                    "default_hooks = dict(checkpoint=dict(type='CheckpointHook'))\n"
                    'model_wrapper_cfg = None\n')
    return str(path)


def safety_warnings(mm_log) -> list:
    return [m for m in mm_log.messages() if 'default_runtime' in m]


@pytest.mark.parametrize('tool', ['train', 'test'])
def test_missing_safety_hooks_are_warned_not_added(tmp_path, mm_log, tool):
    config = without_safety(tmp_path)
    if tool == 'train':
        cfg = prepare_train_cfg(train_args(config=config, work_dir=str(tmp_path / 'w')))
    else:
        cfg = prepare_test_cfg(argparse.Namespace(
            config=config, checkpoint='none', work_dir=None, out=None, launcher='none',
            unsafe_load=False, cfg_options=None))
    assert [h['type'] for h in cfg.custom_hooks] == ['EpochSeedHook']
    assert cfg.default_hooks.checkpoint.type == 'CheckpointHook'
    assert cfg.get('model_wrapper_cfg') is None
    warned = safety_warnings(mm_log)
    assert all('\n' not in m and m.startswith(config) for m in warned)
    missing = [name for name in SAFETY_HOOKS if name != 'EpochSeedHook']
    assert [m.split('custom_hooks has no ')[1].split(' ')[0]
            for m in warned[:len(missing)]] == missing
    assert 'default_hooks.checkpoint is CheckpointHook, not AtomicCheckpointHook' in \
        warned[len(missing)]
    assert f'model_wrapper_cfg is not set, not {MODEL_WRAPPER}' in warned[-1]
    assert len(warned) == len(missing) + 2


def test_resume_flags(tmp_path):
    # `--resume auto` is resolved before the runner: nothing to resume -> afresh
    cfg = prepare_train_cfg(train_args(resume='auto', work_dir=str(tmp_path)))
    assert not cfg.resume and cfg.load_from is None
    torch.save({'meta': {'epoch': 1}}, tmp_path / 'epoch_1.pth')
    cfg = prepare_train_cfg(train_args(resume='auto', work_dir=str(tmp_path)))
    assert cfg.resume is True and cfg.load_from == str(tmp_path / 'epoch_1.pth')
    cfg = prepare_train_cfg(train_args(resume='w/epoch_1.pth'))
    assert cfg.resume is True and cfg.load_from == 'w/epoch_1.pth'


def test_amp_on_cpu_falls_back_to_fp32(monkeypatch):
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    cfg = prepare_train_cfg(train_args(amp=True))
    assert cfg.optim_wrapper.get('type', 'OptimWrapper') == 'OptimWrapper'


def test_amp_on_gpu_uses_amp_wrapper(monkeypatch):
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: True)
    cfg = prepare_train_cfg(train_args(amp=True))
    assert cfg.optim_wrapper.type == 'AmpOptimWrapper'


def test_auto_scale_lr_needs_config_entry(tmp_path):
    cfg = prepare_train_cfg(train_args(auto_scale_lr=True))
    assert cfg.auto_scale_lr.enable is True
    bad = tmp_path / 'no_scale.py'
    bad.write_text(f"_base_ = ['{Path(CONFIG).resolve()}']\nauto_scale_lr = None\n")
    with pytest.raises(ValueError, match='auto_scale_lr'):
        prepare_train_cfg(train_args(config=str(bad), auto_scale_lr=True))


def test_missing_config_and_checkpoint_are_named(tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.py'):
        prepare_train_cfg(train_args(config=str(tmp_path / 'nope.py')))
    args = argparse.Namespace(config=CONFIG, checkpoint=str(tmp_path / 'gone.pth'),
                              work_dir=None, cfg_options=None, launcher='none',
                              unsafe_load=False, out=None)
    with pytest.raises(FileNotFoundError, match='gone.pth'):
        prepare_test_cfg(args)
    args.checkpoint = 'none'
    assert prepare_test_cfg(args).load_from is None


def test_cpu_launcher_needs_torchrun_environment(monkeypatch):
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    for var in ('RANK', 'WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT'):
        monkeypatch.delenv(var, raising=False)
    with pytest.raises(RuntimeError, match='torchrun'):
        prepare_train_cfg(train_args(launcher='pytorch'))


def test_device_agnostic_ddp_on_cpu_single_process(tmp_path):
    store = torch.distributed.FileStore(str(tmp_path / 'store'), 1)
    torch.distributed.init_process_group('gloo', store=store, rank=0, world_size=1)
    try:
        model = torch.nn.Linear(3, 2)
        # MMEngine always passes device_ids; they must be dropped on CPU.
        wrapped = DeviceAgnosticDDP(module=model, device_ids=[0])
        assert wrapped.device_ids is None
        assert wrapped(torch.ones(1, 3)).shape == (1, 2)
    finally:
        torch.distributed.destroy_process_group()


def test_epoch_seed_hook_reseeds_deterministically():
    class FakeRunner:
        seed = 7
        epoch = 3

    draws = []
    for _ in range(2):
        random.seed(None)
        EpochSeedHook().before_train_epoch(FakeRunner())
        draws.append((random.random(), np.random.rand(), torch.rand(1).item()))
    assert draws[0] == draws[1]
    assert epoch_seed(7, 3) != epoch_seed(7, 4) != epoch_seed(7, 4, rank=1)


def test_feature_cache_switch_adds_the_hook(tmp_path):
    cfg_file = tmp_path / 'cached.py'
    cfg_file.write_text(f"_base_ = ['{Path(CONFIG).resolve()}']\n"
                        "feature_cache = dict(enable=True, num_views=None)\n")
    cfg = prepare_train_cfg(train_args(config=str(cfg_file)))
    hooks = [h for h in cfg.custom_hooks if h['type'] == 'FeatureCacheHook']
    assert len(hooks) == 1 and hooks[0]['num_views'] is None
    off = tmp_path / 'off.py'
    off.write_text(f"_base_ = ['{Path(CONFIG).resolve()}']\n"
                   "feature_cache = dict(enable=False)\n")
    cfg = prepare_train_cfg(train_args(config=str(off)))
    assert 'FeatureCacheHook' not in {h['type'] for h in cfg.custom_hooks}


# --- --cfg-options keys nothing reads ------------------------------------
def test_unused_cfg_option_is_warned_naming_the_key(mm_log):
    cfg = prepare_train_cfg(train_args(cfg_options={'foo.bar': 1,
                                                    'train_cfg.max_epochs': 3}))
    assert cfg.train_cfg.max_epochs == 3
    warned = [m for m in mm_log.messages() if '--cfg-options' in m]
    assert warned == ["--cfg-options foo.bar=1: 'foo' is not a key of the config nor one "
                      'the runner or the tools read, so it has no effect (check the '
                      'spelling)']


def test_data_root_option_that_moves_nothing_is_warned(mm_log):
    prepare_test_cfg(argparse.Namespace(
        config=CONFIG, checkpoint='none', work_dir=None, out=None, launcher='none',
        unsafe_load=False, cfg_options={'data_root': 'elsewhere'}))
    (msg, ) = [m for m in mm_log.messages() if '--cfg-options' in m]
    assert msg.startswith("--cfg-options data_root='elsewhere' does not move the "
                          'dataloaders (train_dataloader, val_dataloader, '
                          'test_dataloader keep their data_root')
