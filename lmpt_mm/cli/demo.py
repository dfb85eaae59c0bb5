"""The offline demo (``make demo``): world, small CLIP, every method, one table.

Every step runs the project's own command-line tools in a subprocess, exactly as a
user would type them (``tools/make_synthetic_lt.py``, ``tools/pretrain_clip.py``,
``tools/train.py``, ``tools/test.py``, ``tools/compare.py``), so the demo exercises
the same code paths as real runs. Steps whose outputs exist are skipped by the tools
themselves (world and pretraining are cached); every run trains afresh, in a work dir
emptied first (the demo's own: a run of an earlier configuration left there would
otherwise stop the new one at the work-dir guard of ``tools/train.py``).

Every trained method runs once per seed of ``DemoSettings.seeds`` (``randomness.seed``;
its last stage only: HP-DVAL's stage 1 trains on images once, stage 2 per seed), the
prompt methods on one shared feature cache. ``comparison.md`` then holds the seed-0
table of ``tools/compare.py`` and the table over seeds (:mod:`lmpt_mm.cli.seed_stats`: mean +-
std, and paired differences to zero-shot CLIP and to CoOp with a 95% t-interval over
seeds).
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import threading
import time
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence

from lmpt_mm.cli.compare import find_metrics
from lmpt_mm.suite.report import seed_table
from lmpt_mm.suite.spec import Baseline

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
    seeded: bool = False  # last stage once per DemoSettings.seeds (trained methods)


METHODS = (
    Method('Zero-shot CLIP', ['zeroshot-clip_synth-vit_synth-lt'], train=False),
    Method('CoOp', ['coop_synth-vit_synth-lt'], seeded=True),
    Method('DualCoOp', ['dualcoop_synth-vit_synth-lt'], seeded=True),
    Method('LMPT', ['lmpt_synth-vit_synth-lt'], seeded=True),
    Method('HP-DVAL', ['hpdval-stage1_synth-vit_synth-lt',
                       'hpdval-stage2_synth-vit_synth-lt'], seeded=True),
    Method('ERM', ['resnet18_erm_synth-lt'], seeded=True),
    Method('DB-Focal', ['resnet18_db-focal_synth-lt'], seeded=True),
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
    # Seeds of the trained methods (Method.seeded); the first one's runs fill
    # the single-run table.
    seeds: Sequence[int] = (0, 1, 2)
    # Pretraining steps of the small CLIP; None: tools/pretrain_clip.py's default.
    clip_steps: Optional[int] = None
    # Methods trained at once after the CLIP (each method's stages and seeds stay in
    # order). With more than one, each run gets cores // jobs threads (unless
    # OMP_NUM_THREADS is set), so its figures may differ from a one-job run in the last
    # digits (another summation order); the README's tables are one-job runs.
    jobs: int = 1

    @classmethod
    def reduced(cls, out_dir: Path) -> 'DemoSettings':
        """The CI version: the same world and small CLIP (a weaker CLIP leaves prompt
        tuning nothing to gain), one epoch for the runs that train on images, one
        seed, two methods at a time."""
        return cls(out_dir=out_dir, data_dir=out_dir / 'data', image_epochs=1, seeds=(0, ),
                   jobs=2)

    @property
    def clip_checkpoint(self) -> Path:
        return self.clip_path or self.out_dir / 'clip_synth.pt'


class DemoError(RuntimeError):
    pass


def _run(cmd: List[str], log_file: Path, step: str, t0: float,
         threads: Optional[int] = None) -> None:
    """Run ``cmd``, keep its whole output in ``log_file``, echo progress lines;
    ``threads``: its OMP_NUM_THREADS unless the environment sets one."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, PYTHONUNBUFFERED='1')
    if threads is not None:
        env.setdefault('OMP_NUM_THREADS', str(threads))
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


def _run_count(method: Method, num_seeds: int) -> int:
    """Tool runs of one method: its earlier stages once, then per seed a train (if it
    trains) and a test."""
    runs = num_seeds if method.seeded else 1
    return len(method.stages) - 1 + 2 * runs if method.train else runs


def _fresh_work_dir(work_dir: Path) -> None:
    """Empty a demo run's work dir before it trains again."""
    if work_dir.exists():
        print(f'  (removing the previous run in {work_dir})', flush=True)
        shutil.rmtree(work_dir)


def seed_work_dir(out: Path, stem: str, seed: int, first_seed: int) -> Path:
    """``out/stem`` for the first seed (the single-run table), ``out/stem_seed<k>``."""
    return out / stem if seed == first_seed else out / f'{stem}_seed{seed}'


def _overrides(settings: DemoSettings, stem: str, prev_dir: Optional[Path],
               train: bool, seed: Optional[int] = None) -> List[str]:
    """--cfg-options pointing a config at this demo's data, CLIP and schedule."""
    ckpt = str(settings.clip_checkpoint)
    # Training checks the test images too (EvalImagesCheckHook), so it needs all three.
    loaders = (('train_dataloader', 'val_dataloader', 'test_dataloader') if train
               else ('test_dataloader', ))
    opts = [f'{loader}.dataset.data_root={settings.data_dir}' for loader in loaders]
    if 'resnet' not in stem:
        opts += [f'model.backbone.pretrained={ckpt}', f'model.head.pretrained={ckpt}']
    if 'hpdval-stage1' in stem:
        opts.append(f'model.teacher.pretrained={ckpt}')
    if prev_dir is not None:  # a later stage starts from the previous one
        opts.append(f'load_from={last_checkpoint(prev_dir)}')
    if seed is not None and train:
        opts.append(f'randomness.seed={seed}')
        if _uses_feature_cache(f'{settings.config_dir}/{stem}.py'):  # one cache for all seeds
            opts.append(f'feature_cache.dir={(settings.out_dir / "feature_cache").resolve()}')
    if settings.image_epochs is not None and train and _trains_on_images(stem):
        n = settings.image_epochs
        opts += [f'train_cfg.max_epochs={n}', f'train_cfg.val_interval={n}',
                 f'param_scheduler.T_max={n}']
    return ['--cfg-options', *opts]


def _uses_feature_cache(config: str) -> bool:
    from mmengine.config import Config
    cache = Config.fromfile(config).get('feature_cache') or {}
    return bool(cache.get('enable', False))


def _trains_on_images(stem: str) -> bool:
    return stem.startswith(('resnet', 'hpdval-stage1'))


def make_world_and_clip(data_dir: Path, clip_checkpoint: Path, clip_steps: Optional[int],
                        header: Callable[[str], str], logs: Path, t0: float,
                        python: str = sys.executable, pretrain_args: Sequence[str] = ()
                        ) -> None:
    """The first two demo steps: the synthetic world, then the small CLIP on its corpus
    (both skipped by their tools when their outputs exist; shared by ``make demo`` and
    ``make fewshot-demo`` and ``make ablations``). ``header(text)`` announces a step and
    returns its label; ``pretrain_args`` go to ``tools/pretrain_clip.py`` as they are."""
    step = header(f'synthetic world -> {data_dir}')
    _run([python, 'tools/make_synthetic_lt.py', '--out', str(data_dir)],
         logs / 'make_synthetic_lt.log', step, t0)
    step = header(f'pretraining the small CLIP -> {clip_checkpoint}')
    steps = [] if clip_steps is None else ['--steps', str(clip_steps)]
    _run([python, 'tools/pretrain_clip.py', '--data', str(data_dir), '--out',
          str(clip_checkpoint), *steps, *pretrain_args], logs / 'pretrain_clip.log', step,
         t0)


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
    seeds = list(settings.seeds)
    if not seeds:
        raise ValueError('DemoSettings.seeds needs at least one seed')
    if settings.jobs < 1:
        raise ValueError(f'DemoSettings.jobs must be at least 1, got {settings.jobs}')
    total = 2 + sum(_run_count(m, len(seeds)) for m in methods) + 1
    count = iter(range(1, total + 1))
    lock = threading.Lock()

    def header(text: str) -> str:
        with lock:  # jobs > 1: one number per step
            step = f'[{next(count)}/{total}] {text}'
            print(f'{time.time() - t0:6.0f}s {step}', flush=True)
        return step

    make_world_and_clip(settings.data_dir, settings.clip_checkpoint, settings.clip_steps,
                        header, logs, t0, python)

    threads = (None if settings.jobs == 1 else
               max(1, (os.cpu_count() or settings.jobs) // settings.jobs))

    def run_method(method: Method) -> List[Path]:
        """Train the method's stages, then test its last one per seed; its work dirs."""
        prev_dir = None
        stages = list(method.stages) if method.train else []
        for stem in stages[:-1]:  # earlier stages: once
            work_dir = out / stem
            config = f'{settings.config_dir}/{stem}.py'
            step = header(f'{method.name}: train {config}')
            _fresh_work_dir(work_dir)
            _run([python, 'tools/train.py', config, '--work-dir',
                  str(work_dir), *_overrides(settings, stem, prev_dir, train=True)],
                 logs / f'{stem}.train.log', step, t0, threads)
            prev_dir = work_dir
        stem = method.stages[-1]
        dirs = []
        config = f'{settings.config_dir}/{stem}.py'
        for seed in seeds if method.seeded else [None]:
            work_dir = (out / stem if seed is None
                        else seed_work_dir(out, stem, seed, seeds[0]))
            tag = '' if seed is None or len(seeds) == 1 else f' (seed {seed})'
            log = stem if work_dir == out / stem else work_dir.name
            if method.train:
                step = header(f'{method.name}: train {config}{tag}')
                _fresh_work_dir(work_dir)
                _run([python, 'tools/train.py', config, '--work-dir',
                      str(work_dir), *_overrides(settings, stem, prev_dir, train=True,
                                                 seed=seed)],
                     logs / f'{log}.train.log', step, t0, threads)
            ckpt = last_checkpoint(work_dir) if method.train else 'none'
            step = header(f'{method.name}: test {config}{tag}')
            _run([python, 'tools/test.py', config, ckpt, '--work-dir',
                  str(work_dir), *_overrides(settings, stem, None, train=False)],
                 logs / f'{log}.test.log', step, t0, threads)
            dirs.append(work_dir)
        return dirs

    # Methods are independent once the CLIP exists (prompt methods building the same
    # feature cache at once each write it atomically); results keep the methods' order.
    with ThreadPoolExecutor(max_workers=settings.jobs) as pool:
        futures = [pool.submit(run_method, m) for m in methods]
        wait(futures, return_when=FIRST_EXCEPTION)
        failed = [f for f in futures if f.done() and f.exception() is not None]
        if failed:  # the queued methods never start; running ones finish, then raise
            for f in futures:
                f.cancel()
            raise failed[0].exception()
        seed_dirs: Dict[str, List[Path]] = {m.name: f.result()
                                            for m, f in zip(methods, futures)}
    result_dirs = [seed_dirs[m.name][0] for m in methods]

    header('comparison table and plot')
    subprocess.run([python, 'tools/compare.py', *map(str, result_dirs), '--out-dir',
                    str(out), '--names', *[m.name for m in methods], '--train-ann',
                    str(settings.data_dir / 'lt_train.txt'), '--title',
                    'offline world (synthetic LT, VOC-LT class counts)'], check=True)
    write_seed_table(settings, seed_dirs)
    print(f'{time.time() - t0:6.0f}s done: {out / "comparison.md"}, '
          f'{out / "comparison.csv"}, {out / "comparison_seeds.csv"}, '
          f'{out / "comparison.png"}', flush=True)
    return out / 'comparison.md'


def write_seed_table(settings: DemoSettings, seed_dirs: Dict[str, List[Path]]) -> str:
    """Append the table over seeds to ``comparison.md``; write ``comparison_seeds.csv``."""
    import csv

    scores = {name: [{k: float(v) for k, v in find_metrics(d)[0].items()
                      if k.startswith('lt/')} for d in dirs]
              for name, dirs in seed_dirs.items()}
    names = [m.name for m in settings.methods]
    baselines = [Baseline(n, label) for n, label in (('Zero-shot CLIP', 'zero-shot'),
                                                      ('CoOp', 'CoOp')) if n in names]
    deterministic = [m.name for m in settings.methods if not m.train]
    table, rows = seed_table(scores, baselines, deterministic=deterministic)
    seeds = ', '.join(map(str, settings.seeds))
    text = (f'\n## Over seeds ({seeds}; trained methods)\n\n'
            'Mean +- sample std over seeds, in %; the last columns are paired '
            'differences of mAP (same seed) with a 95% Student-t interval over seeds '
            '(training variation on the fixed test split, not test-image sampling). '
            'Methods with one run: their single run.\n\n' + table)
    out = settings.out_dir
    with open(out / 'comparison.md', 'a') as f:
        f.write(text)
    fields: List[str] = []
    for r in rows:
        fields += [k for k in r if k not in fields]
    with open(out / 'comparison_seeds.csv', 'w', newline='') as f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        w.writerows(rows)
    print(text, flush=True)
    return text
