"""Config preparation shared by ``tools/train.py`` and ``tools/test.py``.

The tools stay thin: everything that turns command-line flags into config changes,
and the work-arounds MMEngine 0.10.7 needs on current torch and on CPU, live here.
"""
from __future__ import annotations

import argparse
import os.path as osp
from typing import Optional

import torch
from mmengine.config import Config, DictAction
from mmengine.dist import broadcast
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper

from lmpt_mm.cli.cfg_options_check import warn_unused_cfg_options
from lmpt_mm.engine.distributed import init_cpu_process_group
from lmpt_mm.engine.feature_cache.config import apply_feature_cache_cfg
from lmpt_mm.engine.hooks.non_finite_loss_hook import GUARD_CFG_KEY
from lmpt_mm.engine.safe_checkpoint import allow_unsafe_checkpoint_load
from lmpt_mm.engine.safety import missing_safety_entries
from lmpt_mm.engine.work_dir_checkpoints import config_fingerprint
from lmpt_mm.cli.work_dir_guard import (FINGERPRINT_CFG_KEY, check_work_dir_owner,
                                        resolve_auto_resume)

DATALOADER_KEYS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


def add_common_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument('--work-dir', help='directory for logs and checkpoints')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override config entries, e.g. train_cfg.max_epochs=2 '
        'model.head.loss.loss_weight=0.5')
    parser.add_argument(
        '--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'], default='none',
        help='job launcher (tools/dist_*.sh pass pytorch)')
    parser.add_argument(
        '--unsafe-load', action='store_true',
        help='allow loading checkpoints that need arbitrary pickled objects '
        '(weights_only=False): only for trusted files')
    # torch.distributed.launch passes --local-rank; torchrun sets LOCAL_RANK.
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def load_config(path: str, cfg_options: Optional[dict], work_dir: Optional[str]) -> Config:
    if not osp.isfile(path):
        raise FileNotFoundError(f'config file {path} does not exist')
    cfg = Config.fromfile(path)
    if cfg_options:
        warn_unused_cfg_options(cfg, cfg_options)
        cfg.merge_from_dict(cfg_options)
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(path))[0])
    return cfg


def warn_missing_safety(cfg: Config) -> None:
    """Warn, one line each, about the safety hooks and wrapper ``cfg`` does not declare
    (:mod:`lmpt_mm.engine.safety`); the config runs as written."""
    for line in missing_safety_entries(cfg):
        print_log(line, logger='current', level=30)


def apply_divergence_guard(cfg: Config) -> None:
    """Pass the top-level ``divergence_guard = dict(...)`` (bounds of the runaway
    check) to the config's ``NonFiniteLossHook`` entry; without one there is nothing
    to pass them to (:func:`warn_missing_safety` names it)."""
    options = dict(cfg.get(GUARD_CFG_KEY) or {})
    if not options:
        return
    hooks = list(cfg.get('custom_hooks') or [])
    for hook in hooks:
        if str(hook.get('type', '')).rsplit('.', 1)[-1] == 'NonFiniteLossHook':
            hook.update(options)
    cfg.custom_hooks = hooks


def fix_dataloaders(cfg: Config) -> None:
    """``persistent_workers=True`` with ``num_workers=0`` makes torch raise."""
    for key in DATALOADER_KEYS:
        loader = cfg.get(key)
        if loader and loader.get('num_workers', 0) == 0 and loader.get(
                'persistent_workers', False):
            loader['persistent_workers'] = False


def setup_amp(cfg: Config, enable: bool) -> None:
    if not enable:
        return
    if not torch.cuda.is_available():
        print_log('--amp was given but no CUDA device is available: training in '
                  'fp32 on CPU (torch autocast on CPU would use bf16 and change '
                  'results).', logger='current', level=30)
        return
    optim_wrapper = cfg.optim_wrapper.get('type', 'OptimWrapper')
    if optim_wrapper not in ('OptimWrapper', 'AmpOptimWrapper'):
        raise ValueError(f'--amp only works with OptimWrapper, the config uses '
                         f'{optim_wrapper}')
    cfg.optim_wrapper.type = 'AmpOptimWrapper'
    cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')


def setup_distributed(cfg: Config, launcher: str) -> None:
    """Choose gloo on CPU and nccl on GPUs.

    MMEngine's pytorch launcher calls ``torch.cuda.set_device`` and DDP with
    ``device_ids``; neither exists on CPU. There, the gloo process group is created
    here (before the runner, which then skips its own initialisation), and the
    config's ``model_wrapper_cfg`` (``DeviceAgnosticDDP``) drops the device ids.
    """
    cfg.launcher = launcher
    if launcher == 'none':
        return
    if torch.cuda.is_available():
        cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {}).setdefault(
            'backend', 'nccl')
        return
    cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})['backend'] = 'gloo'
    if launcher != 'pytorch':
        raise ValueError(f'CPU distributed runs support --launcher pytorch '
                         f'(tools/dist_train.sh), got {launcher}')
    init_cpu_process_group()


def setup_unsafe_load(cfg: Config, flag: bool) -> None:
    if flag or cfg.get('unsafe_checkpoint_load', False):
        allow_unsafe_checkpoint_load(True)


def check_train_cfg(cfg: Config) -> None:
    """Refuse a train length below one epoch/iteration: MMEngine would exit 0 having
    trained nothing (and, for epochs, saved no checkpoint)."""
    train_cfg = cfg.get('train_cfg') or {}
    for key in ('max_epochs', 'max_iters'):
        value = train_cfg.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                  or value < 1):
            raise ValueError(
                f'train_cfg.{key}={value!r} ({cfg.filename}): a run must train at least '
                f'one {key[4:-1]}; set train_cfg.{key} to 1 or more (to evaluate a model '
                'without training, use tools/test.py CONFIG none).')


def check_train_length(runner) -> None:
    """Refuse a training set that yields no batch per epoch (fewer images than
    ``batch_size`` with ``drop_last=True``, or none at all): MMEngine would run its
    epochs without a step and save the untrained model."""
    loader = runner.train_loop.dataloader
    if len(loader) > 0:
        return
    dataset = loader.dataset
    ann = getattr(dataset, 'ann_file', None) or type(dataset).__name__
    size = len(dataset)
    batch = loader.batch_size
    if size and getattr(loader, 'drop_last', False):
        raise ValueError(
            f'train_dataloader yields no batch: {size} training image(s) ({ann}) on this '
            f'process, fewer than batch_size={batch}, with drop_last=True (the last '
            'incomplete batch is dropped). Lower train_dataloader.batch_size or set '
            'train_dataloader.drop_last=False.')
    raise ValueError(f'train_dataloader yields no batch: the training set ({ann}) '
                     f'holds {size} image(s) on this process. Check its ann_file and '
                     'data_root.')


def prepare_train_cfg(args: argparse.Namespace) -> Config:
    cfg = load_config(args.config, args.cfg_options, args.work_dir)
    check_train_cfg(cfg)
    warn_missing_safety(cfg)
    apply_divergence_guard(cfg)
    apply_feature_cache_cfg(cfg)
    fix_dataloaders(cfg)
    setup_amp(cfg, args.amp)
    setup_unsafe_load(cfg, args.unsafe_load)
    if args.no_validate:
        cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg[FINGERPRINT_CFG_KEY] = config_fingerprint(cfg)
    force = getattr(args, 'force_work_dir', False)
    if args.resume == 'auto':
        # Resolved here, not by MMEngine: an empty or dangling last_checkpoint falls
        # back to the newest complete checkpoint, and it must be this config's.
        path = resolve_auto_resume(cfg, force)
        cfg.resume, cfg.load_from = path is not None, path
    elif args.resume is not None:
        cfg.resume, cfg.load_from = True, args.resume
    else:
        check_work_dir_owner(cfg, force)
    if args.auto_scale_lr:
        if 'base_batch_size' not in (cfg.get('auto_scale_lr') or {}):
            raise ValueError(f'--auto-scale-lr needs `auto_scale_lr = dict('
                             f'base_batch_size=...)` in {args.config}')
        cfg.auto_scale_lr.enable = True
    setup_distributed(cfg, args.launcher)
    return cfg


def prepare_test_cfg(args: argparse.Namespace) -> Config:
    cfg = load_config(args.config, args.cfg_options, args.work_dir)
    warn_missing_safety(cfg)
    fix_dataloaders(cfg)
    setup_unsafe_load(cfg, args.unsafe_load)
    if args.checkpoint.lower() == 'none':
        print_log('Testing without a checkpoint (weights from the config only, e.g. '
                  'zero-shot CLIP).', logger='current')
        cfg.load_from = None
    else:
        if not osp.isfile(args.checkpoint):
            raise FileNotFoundError(f'checkpoint {args.checkpoint} does not exist')
        cfg.load_from = args.checkpoint
    evaluators = cfg.test_evaluator
    evaluators = list(evaluators) if isinstance(evaluators, (list, tuple)) else [
        evaluators]
    for evaluator in evaluators:
        # The per-class table (name, train frequency, group, AP) beside metrics.json.
        if evaluator.get('type') == 'GroupAveragePrecision':
            evaluator.setdefault('out_dir', cfg.work_dir)
    if args.out:
        evaluators.append(dict(type='DumpResults', out_file_path=args.out))
    cfg.test_evaluator = evaluators
    setup_distributed(cfg, args.launcher)
    return cfg


def init_weights_without_checkpoint(runner) -> None:
    """Run the model's ``init_weights()`` for ``tools/test.py CONFIG none``.

    MMEngine initialises weights only in ``Runner.train``; a test run without a
    checkpoint would otherwise evaluate PyTorch's default initialisation wherever a
    model's ``init_weights`` sets something (e.g. HP-DVAL's residual embedding neck,
    whose zero-initialised output layer makes the stage-1 student start as the
    teacher). Parameters are broadcast from rank 0 afterwards, as ``Runner.train`` does.
    """
    model = runner.model.module if is_model_wrapper(runner.model) else runner.model
    if not hasattr(model, 'init_weights'):
        return
    print_log(f'No checkpoint: initialising {type(model).__name__} with its '
              f'init_weights(), as training would.', logger='current')
    model.init_weights()
    for value in model.state_dict().values():
        broadcast(value)
