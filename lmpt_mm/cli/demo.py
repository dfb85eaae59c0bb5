"""The offline demo (``make demo``): world, small CLIP, every method, one table.

Every step runs the project's own command-line tools in a subprocess, exactly as a
user would type them (``tools/make_synthetic_lt.py``, ``tools/pretrain_clip.py``,
``tools/train.py``, ``tools/test.py``, ``tools/compare.py``), so the demo exercises
the same code paths as real runs. Steps whose outputs exist are skipped by the tools
themselves (world and pretraining are cached) or here (a finished run).
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Sequence

OFFLINE = 'configs/offline'
# Log lines worth showing while a run trains (the rest goes to its work dir).
_PROGRESS = re.compile(r'Epoch\((train|val|test)\)\s+\[[^\]]*\]\[\s*\d+/\d+\]|'
                       r'FeatureCache|Saving checkpoint|GroupAveragePrecision on')


@dataclass(frozen=True)
class Method:
    """One row of the comparison: a config, or a chain of stages, then a test."""
    name: str
    stages: Sequence[str]  # config stems under configs/offline, trained in order
    train: bool = True


METHODS = (
    Method('Zero-shot CLIP', ['zeroshot-clip_synth-vit_synth-lt'], train=False),
    Method('CoOp', ['coop_synth-vit_synth-lt']),
    Method('DualCoOp', ['dualcoop_synth-vit_synth-lt']),
    Method('LMPT', ['lmpt_synth-vit_synth-lt']),
    Method('HP-DVAL', ['hpdval-stage1_synth-vit_synth-lt',
                       'hpdval-stage2_synth-vit_synth-lt']),
    Method('ERM', ['resnet18_erm_synth-lt']),
    Method('DB-Focal', ['resnet18_db-focal_synth-lt']),
)


@dataclass
class DemoSettings:
    """Where one demo writes and how long it trains; :meth:`reduced` is the CI version."""
    out_dir: Path = Path('work_dirs/demo')
    data_dir: Path = Path('data/synthetic_lt')
    # Epochs of the runs that train on images (ResNets, HP-DVAL stage 1); None: each
    # config's own schedule. Prompt tuning trains on cached features and always
    # keeps its schedule (seconds per run).
    image_epochs: Optional[int] = None
    methods: Sequence[Method] = METHODS
    # Folder of the methods' config stems, and the small CLIP's file when it is not
    # out_dir/clip_synth.pt (the recipe smoke, lmpt_mm.cli.recipes, reuses the demo's).
    config_dir: str = OFFLINE
    clip_path: Optional[Path] = None
    # Pretraining steps of the small CLIP; None: tools/pretrain_clip.py's default.
    clip_steps: Optional[int] = None

    @classmethod
    def reduced(cls, out_dir: Path) -> 'DemoSettings':
        """The CI version: the same world and small CLIP (a weaker CLIP leaves prompt
        tuning nothing to gain), 2 epochs for the runs that train on images."""
        return cls(out_dir=out_dir, data_dir=out_dir / 'data', image_epochs=2)

    @property
    def clip_checkpoint(self) -> Path:
        return self.clip_path or self.out_dir / 'clip_synth.pt'


class DemoError(RuntimeError):
    pass


def _run(cmd: List[str], log_file: Path, step: str, t0: float) -> None:
    """Run ``cmd``, keep its whole output in ``log_file``, echo progress lines."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, PYTHONUNBUFFERED='1')
    with open(log_file, 'w') as log:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True, env=env)
        for line in proc.stdout:
            log.write(line)
            if _PROGRESS.search(line) or line.startswith('['):
                text = line.split(' - mmengine - INFO - ')[-1].strip()
                print(f'  {time.time() - t0:6.0f}s | {step}: {text[:150]}', flush=True)
        code = proc.wait()
    if code != 0:
        tail = ''.join(log_file.read_text().splitlines(keepends=True)[-30:])
        raise DemoError(f'{step} failed (exit {code}): {" ".join(cmd)}\n'
                        f'last lines of {log_file}:\n{tail}')


def _overrides(settings: DemoSettings, stem: str, prev_dir: Optional[Path],
               train: bool) -> List[str]:
    """--cfg-options pointing a config at this demo's data, CLIP and schedule."""
    ckpt = str(settings.clip_checkpoint)
    loaders = ('train_dataloader', 'val_dataloader') if train else ('test_dataloader', )
    opts = [f'{loader}.dataset.data_root={settings.data_dir}' for loader in loaders]
    if 'resnet' not in stem:
        opts += [f'model.backbone.pretrained={ckpt}', f'model.head.pretrained={ckpt}']
    if 'hpdval-stage1' in stem:
        opts.append(f'model.teacher.pretrained={ckpt}')
    if prev_dir is not None:  # a later stage starts from the previous one
        opts.append(f'load_from={last_checkpoint(prev_dir)}')
    if settings.image_epochs is not None and train and _trains_on_images(stem):
        n = settings.image_epochs
        opts += [f'train_cfg.max_epochs={n}', f'train_cfg.val_interval={n}',
                 f'param_scheduler.T_max={n}']
    return ['--cfg-options', *opts]


def _trains_on_images(stem: str) -> bool:
    return stem.startswith(('resnet', 'hpdval-stage1'))


def last_checkpoint(work_dir: Path) -> str:
    pointer = work_dir / 'last_checkpoint'
    if not pointer.is_file():
        raise DemoError(f'{work_dir} has no last_checkpoint: did its training finish?')
    return pointer.read_text().strip()


def run_demo(settings: DemoSettings, python: str = sys.executable) -> Path:
    """Run the whole demo; returns the path of ``comparison.md``."""
    t0 = time.time()
    out = settings.out_dir
    out.mkdir(parents=True, exist_ok=True)
    logs = out / 'logs'
    methods = list(settings.methods)
    total = 2 + sum(len(m.stages) + 1 for m in methods) + 1
    count = iter(range(1, total + 1))

    def header(text: str) -> str:
        step = f'[{next(count)}/{total}] {text}'
        print(f'{time.time() - t0:6.0f}s {step}', flush=True)
        return step

    step = header(f'synthetic world -> {settings.data_dir}')
    _run([python, 'tools/make_synthetic_lt.py', '--out', str(settings.data_dir)],
         logs / 'make_synthetic_lt.log', step, t0)
    step = header(f'pretraining the small CLIP -> {settings.clip_checkpoint}')
    steps = [] if settings.clip_steps is None else ['--steps', str(settings.clip_steps)]
    _run([python, 'tools/pretrain_clip.py', '--data', str(settings.data_dir), '--out',
          str(settings.clip_checkpoint), *steps],
         logs / 'pretrain_clip.log', step, t0)

    result_dirs = []
    for method in methods:
        prev_dir = None
        for stem in method.stages if method.train else []:
            work_dir = out / stem
            config = f'{settings.config_dir}/{stem}.py'
            step = header(f'{method.name}: train {config}')
            _run([python, 'tools/train.py', config, '--work-dir',
                  str(work_dir), *_overrides(settings, stem, prev_dir, train=True)],
                 logs / f'{stem}.train.log', step, t0)
            prev_dir = work_dir
        stem = method.stages[-1]
        work_dir = out / stem
        ckpt = last_checkpoint(work_dir) if method.train else 'none'
        config = f'{settings.config_dir}/{stem}.py'
        step = header(f'{method.name}: test {config}')
        _run([python, 'tools/test.py', config, ckpt, '--work-dir',
              str(work_dir), *_overrides(settings, stem, None, train=False)],
             logs / f'{stem}.test.log', step, t0)
        result_dirs.append(work_dir)

    header('comparison table and plot')
    subprocess.run([python, 'tools/compare.py', *map(str, result_dirs), '--out-dir',
                    str(out), '--names', *[m.name for m in methods], '--train-ann',
                    str(settings.data_dir / 'lt_train.txt'), '--title',
                    'offline world (synthetic LT, VOC-LT class counts)'], check=True)
    print(f'{time.time() - t0:6.0f}s done: {out / "comparison.md"}, '
          f'{out / "comparison.csv"}, {out / "comparison.png"}', flush=True)
    return out / 'comparison.md'
