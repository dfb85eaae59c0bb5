"""A small grid search through the normal train path, scored on the validation split.

``tools/sweep.py CONFIG --grid KEY=V1,V2 ... --split val [--seeds 0 1 2]`` trains one
run per (setting, seed) with ``tools/train.py CONFIG --cfg-options KEY=V ...
randomness.seed=SEED`` in a subprocess, exactly as a user would, and reads the
final-epoch metrics of the chosen split:

- ``val``: the run's own validation at its last epoch (MMEngine always validates the
  final epoch), on ``val_dataloader``. The sweep refuses a config whose validation
  set is its test set: selection must not see the test split.
- ``test``: ``tools/test.py CONFIG <last checkpoint>`` afterwards (for reporting a
  chosen setting, never for choosing one).

It writes ``WORK_DIR/sweep.csv`` (one row per run) and ``WORK_DIR/sweep_summary.csv``
(one row per setting: mean and sample std over seeds), and names the best setting
(highest mean of ``--metric``; ties keep the first in grid order) in
``WORK_DIR/best.json``. A finished run is reused only when its run key matches: a
hash of the resolved config (the config file with its ``_base_`` files and every
override merged) and the split (``sweep_trial.json``); after an edit of the config
file or other options the run's folder is cleared and the run repeated, with a line
naming what changed. Runs with a feature cache share one cache directory (its key
covers model, weights, pipeline and data, not the swept values). One sweep at a time
holds ``WORK_DIR`` (``run.lock``).
"""
from __future__ import annotations

import itertools
import json
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from mmengine.config import Config, DictAction

from lmpt_mm.cli.compare import COLUMNS, METRIC_KEYS, MetricsKind, find_metrics
from lmpt_mm.engine.work_dir_lock import work_dir_lock
from lmpt_mm.evaluation.seed_stats import mean_std
from lmpt_mm.utils.csv_rows import write_rows_csv
from lmpt_mm.utils.process import ToolError, run_logged
from lmpt_mm.utils.hashing import config_run_record, differences, json_digest

SPLITS = ('val', 'test')


def parse_grid(items: Sequence[str]) -> Dict[str, list]:
    """``['a.b=1,2', 'c=x']`` -> ``{'a.b': [1, 2], 'c': ['x']}``.

    Values are parsed like ``--cfg-options`` (numbers, ``True``/``None``, quoted
    strings, bracketed lists: ``key=[1,2],[3,4]`` gives two list values).
    """
    grid: Dict[str, list] = {}
    for item in items:
        key, sep, values = item.partition('=')
        if not sep or not key or not values:
            raise ValueError(f'--grid expects KEY=V1,V2,..., got {item!r}')
        if key in grid:
            raise ValueError(f'--grid names {key!r} twice')
        grid[key] = [DictAction._parse_iterable(v) for v in _split_top_level(values)]
    return grid


def _split_top_level(text: str) -> List[str]:
    """Split at the commas outside (), [] and quotes."""
    depth, quote, parts, cur = 0, None, [], []
    for ch in text:
        if quote:
            quote = None if ch == quote else quote
        elif ch in '\'"':
            quote = ch
        elif ch in '([':
            depth += 1
        elif ch in ')]':
            depth -= 1
        elif ch == ',' and depth == 0:
            parts.append(''.join(cur))
            cur = []
            continue
        cur.append(ch)
    parts.append(''.join(cur))
    if depth != 0 or quote or any(not p for p in parts):
        raise ValueError(f'--grid values {text!r}: unbalanced brackets/quotes or an '
                         f'empty value')
    return parts


def settings_of(grid: Dict[str, list]) -> List[Dict[str, object]]:
    """Every combination of the grid's values, in grid order (last key fastest)."""
    keys = list(grid)
    return [dict(zip(keys, values)) for values in itertools.product(*grid.values())]


def cfg_option(key: str, value: object) -> str:
    """``KEY=VALUE`` as ``--cfg-options`` reads it back (lists bracketed)."""
    if isinstance(value, str):
        return f'{key}={value}'
    if isinstance(value, (list, tuple)):
        return f'{key}=[{",".join(str(v) for v in value)}]'
    return f'{key}={value}'


def setting_name(setting: Dict[str, object]) -> str:
    """A readable folder name: ``lr=0.001_clip=None``."""
    name = '_'.join(f'{k.split(".")[-1]}={v}' for k, v in setting.items()) or 'default'
    return ''.join(c if c.isalnum() or c in '=._-' else '-' for c in name)[:120]


@dataclass
class Trial:
    setting: Dict[str, object]
    seed: int
    work_dir: Path
    metrics: Dict[str, float] = field(default_factory=dict)


def check_split(config: str, split: str, cfg_options: Optional[dict] = None) -> None:
    """Refuse ``split='val'`` when the config validates on its test data."""
    if split not in SPLITS:
        raise ValueError(f'--split must be one of {SPLITS}, got {split!r}')
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    if split != 'val':
        return
    val = (cfg.get('val_dataloader') or {}).get('dataset') or {}
    test = (cfg.get('test_dataloader') or {}).get('dataset') or {}
    if not val:
        raise ValueError(f'{config}: --split val needs a val_dataloader')
    where = lambda d: (d.get('data_root'), d.get('ann_file'))  # noqa: E731
    if test and where(val) == where(test):
        raise ValueError(
            f'{config}: val_dataloader reads the test annotations {where(test)}; a sweep '
            f'on it would select on the test split. Point val_dataloader at a '
            f'validation split (the offline world writes lt_val.txt).')


def _run(cmd: List[str], log: Path) -> None:
    try:
        run_logged(cmd, log)
    except ToolError as err:
        raise RuntimeError(f'sweep run failed ({err})') from err


def _final_metrics(work_dir: Path, split: MetricsKind) -> Dict[str, float]:
    record, _ = find_metrics(work_dir, split)
    return {k: float(record[k]) for k in METRIC_KEYS if k in record}


def trial_record(config: str, options: Sequence[str], split: str) -> dict:
    """What a trial's result depends on: ``config`` resolved with ``options``
    (:func:`lmpt_mm.utils.hashing.config_run_record`) and the split."""
    return config_run_record(config, options, split=split)


def run_trial(config: str, trial: Trial, split: str, base_options: List[str],
              python: str = sys.executable) -> Dict[str, float]:
    """Train (and for ``test`` evaluate) one run; reuse it when already finished with
    the same run key, else clear its folder and run it again."""
    wd = trial.work_dir
    wd.mkdir(parents=True, exist_ok=True)
    options = base_options + [cfg_option(k, v) for k, v in trial.setting.items()] + [
        f'randomness.seed={trial.seed}']
    resolved = trial_record(config, options, split)
    key = json_digest(resolved, 16)
    record = dict(config=str(config), options=options, split=split, key=key)
    stamp = wd / 'sweep_trial.json'
    if stamp.is_file():
        old = json.loads(stamp.read_text())
        if old.get('key') == key and old.get('metrics'):
            return old['metrics']
        changed = (differences(old['resolved'], resolved) if isinstance(
            old.get('resolved'), dict) else ['no run key recorded'])
        print(f'[sweep] {wd}: its recorded run had another config or options '
              f'({"; ".join(changed)}): running it again', flush=True)
    if any(wd.iterdir()):  # an old or unfinished run: replaced, never mixed with
        shutil.rmtree(wd)
        wd.mkdir(parents=True)
    _run([python, 'tools/train.py', str(config), '--work-dir', str(wd),
          '--cfg-options', *options], wd / 'sweep_train.log')
    if split == 'test':
        ckpt = (wd / 'last_checkpoint').read_text().strip()
        _run([python, 'tools/test.py', str(config), ckpt, '--work-dir', str(wd),
              '--cfg-options', *options], wd / 'sweep_test.log')
    metrics = _final_metrics(wd, split)
    stamp.write_text(json.dumps(dict(record, metrics=metrics, resolved=resolved),
                                indent=1) + '\n')
    return metrics


def summarise(trials: Sequence[Trial], metric: str) -> List[dict]:
    """One row per setting: mean and sample std (ddof 1) over its seeds."""
    rows = []
    for setting, group in itertools.groupby(trials, key=lambda t: json.dumps(
            t.setting, sort_keys=False, default=str)):
        group = list(group)
        row = dict(group[0].setting, seeds=len(group))
        for key in METRIC_KEYS:
            vals = [t.metrics[key] for t in group if key in t.metrics]
            if not vals:
                continue
            mean, std = mean_std(vals)
            col = key.split('/', 1)[1]
            row[col], row[f'{col}_std'] = mean, std
        rows.append(row)
    col = metric.split('/', 1)[1]
    if any(col not in r for r in rows):
        raise ValueError(f'--metric {metric!r} is missing from some runs\' results '
                         f'(available: {", ".join(METRIC_KEYS)})')
    return rows


def best_row(rows: Sequence[dict], metric: str) -> dict:
    col = metric.split('/', 1)[1]
    return max(rows, key=lambda r: r[col])  # max keeps the first of equal scores


def run_settings(config: str, settings: Sequence[Dict[str, object]], work_dir: str | Path,
                 split: str = 'val', seeds: Sequence[int] = (0, ),
                 cfg_options: Optional[dict] = None, python: str = sys.executable,
                 metric: str = 'lt/mAP') -> List[Trial]:
    """Run each setting (a dict of config keys and values) once per seed."""
    if not seeds:
        raise ValueError('--seeds needs at least one seed')
    check_split(config, split, cfg_options)
    out = Path(work_dir)
    out.mkdir(parents=True, exist_ok=True)
    base = [cfg_option(k, v) for k, v in (cfg_options or {}).items()]
    cfg = Config.fromfile(config)
    if (cfg.get('feature_cache') or {}).get('enable', False) and not any(
            o.startswith('feature_cache.dir=') for o in base):
        base.append(f'feature_cache.dir={(out / "feature_cache").resolve()}')
    trials = []
    for setting in settings:
        for seed in seeds:
            trial = Trial(setting, int(seed), out / setting_name(setting) / f'seed{seed}')
            print(f'[sweep] {setting_name(setting)} seed {seed} ...', flush=True)
            trial.metrics = run_trial(config, trial, split, base, python)
            print(f'[sweep] {setting_name(setting)} seed {seed}: {split} '
                  f'{metric}={trial.metrics.get(metric, float("nan")):.2f}', flush=True)
            trials.append(trial)
    return trials


def sweep(config: str, grid: Dict[str, list], work_dir: str | Path, split: str = 'val',
          seeds: Sequence[int] = (0, ), metric: str = 'lt/mAP',
          cfg_options: Optional[dict] = None, python: str = sys.executable
          ) -> Tuple[List[Trial], List[dict], dict]:
    """Run the grid; return the trials, the per-setting summary and the best row."""
    if metric not in METRIC_KEYS:
        raise ValueError(f'--metric must be one of {METRIC_KEYS}, got {metric!r}')
    out = Path(work_dir)
    with work_dir_lock(str(out)):  # one sweep per folder (trials are replaced)
        trials = run_settings(config, settings_of(grid), out, split, seeds,
                              cfg_options, python, metric)
    per_run = [dict(t.setting, seed=t.seed, **{c: t.metrics.get(k, float('nan'))
               for c, k in zip(COLUMNS[1:], METRIC_KEYS)}, work_dir=str(t.work_dir))
               for t in trials]
    write_rows_csv(out / 'sweep.csv', per_run)
    rows = summarise(trials, metric)
    write_rows_csv(out / 'sweep_summary.csv', rows)
    best = best_row(rows, metric)
    (out / 'best.json').write_text(json.dumps(dict(
        config=str(config), split=split, metric=metric, seeds=list(seeds),
        setting={k: best[k] for k in grid}, score=best[metric.split('/', 1)[1]],
        score_std=best[metric.split('/', 1)[1] + '_std']), indent=1, default=str) + '\n')
    return trials, rows, best
