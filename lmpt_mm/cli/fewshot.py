"""The multi-label few-shot protocol behind ``tools/fewshot.py``.

Protocol (Huang et al., HP-DVAL, IEEE TIP, Section IV-A.2 and Table II; its released
evaluation script): train on the base classes (the config's ``fewshot.base_stages``,
none for zero-shot CLIP), then for every K and episode adapt a copy of the base model
on the episode's support set and evaluate it on the novel-class test set; report the
novel-class mAP (and CP/CR/CF1/OP/OR/OF1) per episode and its mean and standard
deviation over the episodes.

A few-shot config is an ordinary MMPretrain config of the **adaptation** run - model
on the novel classes, ``train_dataloader`` on a support view (its ``shots`` and
``episode`` are set per run), ``test_dataloader`` on the novel test view, optimiser,
schedule, evaluators - plus::

    fewshot = dict(
        base_stages=['base/stage1.py', 'base/stage2.py'],  # relative to this config
        adapt=True,                # False: evaluate the base model as it is
        frozen_modules=['head'],   # kept frozen while adapting (FreezeModulesHook)
        map_key='fewshot/mAP')     # the metric summarised as novel mAP

Work dir layout: ``base/<stage>/`` (MMEngine runs), ``<K>shot/episode_<e>/``
(adaptation run and ``result.json``), ``<K>shot/episodes.csv`` (one row per episode),
``<K>shot/metrics.json`` (mean over episodes, read by ``tools/compare.py``: novel mAP
as ``lt/mAP``), ``summary.csv`` / ``summary.md`` (mean +- std for every K). A finished
stage or episode is skipped when the command runs again (resumable per episode), but
only for the same run: ``fewshot_run.json`` records the run key, a hash of the
resolved config (``_base_`` files and ``--cfg-options`` merged), the resolved base
stage configs (with ``--base-cfg-options``) and ``--base-checkpoint`` (path and
sha256); a run with another key is refused (:class:`FewShotRunMismatchError`, naming
what changed) instead of mixing its episodes with the old ones. ``--shots`` and
``--episodes`` only choose which parts to run. One run at a time holds the work dir
(``run.lock``). The run key leaves out ``--protocol``, so both protocols share the
base stages; an episode scored under the other protocol is run again, and a summary
covers one protocol only.

Two evaluation protocols (``--protocol``, named in every results file):

* ``final-epoch`` (default): the adaptation runs the config's schedule and its last
  epoch is evaluated once - nothing is chosen on the novel test set.
* ``published``: the HP-DVAL code's adaptation (``utils/engine_fsl_val_TF.py`` 180-215
  of its release): torch's ``OneCycleLR(max_lr=lr, pct_start=0.1)`` with ``beta_1``
  cycled, over the config's ``max_epochs``; the test set is evaluated after epochs 30,
  40, ..., 80 and the episode keeps its **best** evaluation (a selection on the test
  set, reported as such). The code trains two epochs past the last evaluation
  (82); they change no reported number and are not run.
"""
from __future__ import annotations

import argparse
import copy
import csv
import json
import math
import os.path as osp
import re
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from mmengine.config import Config, DictAction
from mmengine.dist import barrier, is_main_process
from mmengine.logging import print_log
from mmengine.runner import Runner

from lmpt_mm.engine.hooks.freeze_modules_hook import trainable_parameter_counts
from lmpt_mm.engine.work_dir_checkpoints import atomic_write_bytes
from lmpt_mm.engine.work_dir_lock import launcher_rank, work_dir_lock
from lmpt_mm.utils.hashing import differences, file_sha256, json_digest, run_record
from .runner_setup import (add_common_args, apply_divergence_guard, fix_dataloaders,
                           load_config, setup_distributed, setup_unsafe_load,
                           warn_missing_safety)
from lmpt_mm.engine.feature_cache.config import apply_feature_cache_cfg

# CSV/summary columns: our name -> metric key suffix (prefix from the config's map_key).
# CP/CR/CF1 are MultiLabelMetric's macro averages, OP/OR/OF1 its micro averages.
METRIC_COLUMNS = {'mAP': 'mAP', 'CP': 'precision', 'CR': 'recall', 'CF1': 'f1-score',
                  'OP': 'precision_micro', 'OR': 'recall_micro', 'OF1': 'f1-score_micro'}


# --protocol values -> the label written into the results files
PROTOCOLS = {
    'final-epoch': 'final epoch of the configured schedule',
    'published': ('published protocol (HP-DVAL code): OneCycle over the configured epochs, '
                  'best of the test-set evaluations after epochs 30-80 (selected on test)'),
}
# epochs (1-based) after which the published protocol evaluates on the test set:
# `epoch % 10 == 9` for the code's 0-based 25 <= epoch <= 80
PUBLISHED_EVAL_EPOCHS = (30, 40, 50, 60, 70, 80)
EVALUATIONS_FILE = 'evaluations.jsonl'


def published_protocol_cfg(ecfg: Config) -> Config:
    """Turn an episode's adaptation config into the published protocol's (in place).

    The lr follows torch's ``OneCycleLR(max_lr=<optimizer lr>, pct_start=0.1)`` and
    ``beta_1`` (``momentum``) its cycle over the configured ``max_epochs``, per
    iteration; the run stops after the last evaluation epoch and the novel test set is
    evaluated (as the validation loop, logged to ``evaluations.jsonl``) after each of
    :data:`PUBLISHED_EVAL_EPOCHS` that the schedule reaches.
    """
    cycle = int(ecfg.train_cfg.max_epochs)
    points = [e for e in PUBLISHED_EVAL_EPOCHS if e <= cycle]
    if not points:
        raise ValueError(f'--protocol published evaluates after epochs '
                         f'{list(PUBLISHED_EVAL_EPOCHS)}; {ecfg.filename} trains '
                         f'train_cfg.max_epochs={cycle} (set it to >= '
                         f'{PUBLISHED_EVAL_EPOCHS[0]})')
    ecfg.param_scheduler = [
        dict(type='OneCycleLRFromOptimizer', pct_start=0.1, by_epoch=True, begin=0,
             end=cycle, convert_to_iter_based=True),
        dict(type='OneCycleMomentum', pct_start=0.1, by_epoch=True, begin=0, end=cycle,
             convert_to_iter_based=True),
    ]
    step = points[1] - points[0] if len(points) > 1 else points[0]
    ecfg.train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=points[-1],
                          val_begin=points[0], val_interval=step)
    ecfg.val_dataloader = copy.deepcopy(ecfg.test_dataloader)
    ecfg.val_evaluator = copy.deepcopy(ecfg.test_evaluator)
    ecfg.val_cfg = dict()
    hooks = list(ecfg.get('custom_hooks') or [])
    hooks.append(dict(type='EvaluationRecordHook', filename=EVALUATIONS_FILE))
    ecfg.custom_hooks = hooks
    return ecfg


def best_published_evaluation(work_dir: str, map_key: str) -> dict:
    """The evaluation with the highest ``map_key`` among the published epochs:
    ``dict(epoch=..., metrics={...})``."""
    path = Path(work_dir) / EVALUATIONS_FILE
    if not path.is_file():
        raise FileNotFoundError(f'{path}: the published protocol wrote no evaluation')
    records = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    records = [r for r in records if r['epoch'] in PUBLISHED_EVAL_EPOCHS]
    if not records:
        raise ValueError(f'{path}: no evaluation after epochs '
                         f'{list(PUBLISHED_EVAL_EPOCHS)}')
    return max(records, key=lambda r: r['metrics'][map_key])


def parse_episodes(spec: str) -> List[int]:
    """``'1-10'``, ``'3'`` or ``'1,4,7-9'`` -> sorted unique 1-based episode numbers."""
    out = set()
    for part in str(spec).split(','):
        m = re.fullmatch(r'\s*(\d+)\s*(?:-\s*(\d+)\s*)?', part)
        if not m:
            raise ValueError(f'--episodes: cannot read {part!r} (use e.g. 1-10 or 1,3,5)')
        lo, hi = int(m.group(1)), int(m.group(2) or m.group(1))
        if lo < 1 or hi < lo:
            raise ValueError(f'--episodes: bad range {part!r} (episodes count from 1)')
        out.update(range(lo, hi + 1))
    return sorted(out)


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description='Multi-label few-shot protocol (lmpt_mm)')
    p.add_argument('config', help='few-shot config (adaptation run + `fewshot = dict(...)`)')
    p.add_argument('--shots', type=int, nargs='+', default=[1, 5], help='K values')
    p.add_argument('--episodes', default='1-10', help='episodes, e.g. 1-10 or 1,3,5')
    p.add_argument('--base-checkpoint', help='use this base model instead of training '
                   "the config's base stages")
    p.add_argument('--base-cfg-options', nargs='+', action=DictAction,
                   help='overrides for every base stage config')
    p.add_argument('--protocol', choices=sorted(PROTOCOLS), default='final-epoch',
                   help='final-epoch (default): evaluate the last epoch of the configured '
                   "schedule once; published: the HP-DVAL code's adaptation (OneCycle, "
                   'best of six test-set evaluations - a selection on the test set)')
    add_common_args(p)
    return p.parse_args(argv)


# -- which run a work dir holds ------------------------------------------------------------
RUN_FILE = 'fewshot_run.json'


class FewShotRunMismatchError(RuntimeError):
    """The work dir holds results of another configuration or options."""


def fewshot_record(cfg: Config, args: argparse.Namespace) -> dict:
    """What the work dir's results depend on (:func:`run_record`): the resolved config,
    the resolved base stage configs and the base checkpoint's path and sha256."""
    stages = []
    for path in _stage_paths(cfg):
        scfg = Config.fromfile(path)
        if args.base_cfg_options:
            scfg.merge_from_dict(args.base_cfg_options)
        stages.append(run_record(scfg)['config'])
    base = None
    if args.base_checkpoint:
        if not osp.isfile(args.base_checkpoint):
            raise FileNotFoundError(f'--base-checkpoint {args.base_checkpoint} does not exist')
        base = dict(path=osp.abspath(args.base_checkpoint),
                    sha256=file_sha256(args.base_checkpoint))
    return run_record(cfg, cfg_options=args.cfg_options, base_stages=stages,
                      base_cfg_options=args.base_cfg_options, base_checkpoint=base)


def _results_in(work_dir: Path) -> List[str]:
    return sorted(str(p.relative_to(work_dir)) for p in
                  [*work_dir.glob('*shot/episodes.csv'), *work_dir.glob('base/*/*.pth')])


def check_run_key(work_dir: Path, record: dict) -> str:
    """The run key of ``record``; refuses a work dir holding another run's results,
    and records the key in a fresh one (rank 0)."""
    key = json_digest(record, 16)
    path = work_dir / RUN_FILE
    if path.is_file():
        old = json.loads(path.read_text())
        if old.get('key') == key:
            return key
        changed = '; '.join(differences(old.get('record'), record, limit=4))
        raise FewShotRunMismatchError(
            f'{work_dir} holds few-shot results of another run (run key {old.get("key")} '
            f'in {path}; this run: {key}; changed: {changed}). Their episodes would be '
            'mixed into one summary with this run\'s: pass another --work-dir, or '
            f'delete {work_dir} to run this configuration there.')
    found = _results_in(work_dir)
    if found:
        raise FewShotRunMismatchError(
            f'{work_dir} holds few-shot results ({", ".join(found[:3])}) but no '
            f'{RUN_FILE}: which configuration made them is unknown, and their episodes '
            'would be mixed with this run\'s. Pass another --work-dir, or delete '
            f'{work_dir} to run there.')
    if is_main_process():
        atomic_write_bytes(str(path), json.dumps(dict(key=key, record=record),
                                                 indent=1).encode())
    return key


# -- base training ---------------------------------------------------------------------
def _stage_paths(cfg: Config) -> List[str]:
    stages = (cfg.get('fewshot') or {}).get('base_stages') or []
    here = osp.dirname(osp.abspath(cfg.filename))
    out = []
    for s in stages:
        path = s if osp.isabs(s) else osp.join(here, s)
        if not osp.isfile(path):
            raise FileNotFoundError(f'{cfg.filename}: fewshot.base_stages entry {s!r}: no '
                                    f'file {path}')
        out.append(path)
    return out


def _finished_checkpoint(work_dir: str, max_epochs: int) -> Optional[str]:
    ckpt = osp.join(work_dir, f'epoch_{max_epochs}.pth')
    return ckpt if osp.isfile(ckpt) else None


def train_base(cfg: Config, args: argparse.Namespace, work_dir: str) -> Optional[str]:
    """Train the base stages in order (each from the previous one's final checkpoint);
    returns the last stage's final checkpoint, or None without base stages."""
    ckpt = None
    for path in _stage_paths(cfg):
        stem = osp.splitext(osp.basename(path))[0]
        scfg = load_config(path, args.base_cfg_options, osp.join(work_dir, 'base', stem))
        done = _finished_checkpoint(scfg.work_dir, scfg.train_cfg.max_epochs)
        if done is not None:
            print_log(f'few-shot: base stage {stem} already trained ({done})',
                      logger='current')
            ckpt = done
            continue
        warn_missing_safety(scfg)
        apply_divergence_guard(scfg)
        apply_feature_cache_cfg(scfg)
        fix_dataloaders(scfg)
        setup_unsafe_load(scfg, args.unsafe_load)
        if ckpt is not None:
            scfg.load_from = ckpt
        setup_distributed(scfg, args.launcher)
        print_log(f'few-shot: training base stage {stem} -> {scfg.work_dir}',
                  logger='current')
        Runner.from_cfg(scfg).train()
        barrier()  # rank 0 writes the checkpoint the other ranks look for
        ckpt = _finished_checkpoint(scfg.work_dir, scfg.train_cfg.max_epochs)
        if ckpt is None:
            raise RuntimeError(f'base stage {stem} finished without {scfg.work_dir}/'
                               f'epoch_{scfg.train_cfg.max_epochs}.pth')
    return ckpt


# -- one episode -------------------------------------------------------------------------
def episode_cfg(cfg: Config, shots: int, episode: int, work_dir: str,
                base_ckpt: Optional[str], launcher: str,
                protocol: str = 'final-epoch') -> Config:
    """The adaptation run of one episode: support view, base weights, no validation
    (``protocol='published'``: :func:`published_protocol_cfg`)."""
    fs = cfg.get('fewshot') or {}
    ecfg = copy.deepcopy(cfg)
    ecfg.work_dir = work_dir
    ecfg.load_from = base_ckpt
    ecfg.resume = False
    # No validation while adapting: the epoch is never chosen on the novel test set.
    ecfg.val_dataloader = ecfg.val_cfg = ecfg.val_evaluator = None
    if ecfg.get('test_cfg') is None:
        ecfg.test_cfg = dict()
    if fs.get('adapt', True):
        ecfg.train_dataloader.dataset.update(shots=int(shots), episode=int(episode))
        hooks = list(ecfg.get('custom_hooks') or [])
        hooks.append(dict(type='FreezeModulesHook',
                          modules=list(fs.get('frozen_modules', ['head']))))
        ecfg.custom_hooks = hooks
        # Nothing of an adapted episode model is kept beyond its evaluation.
        ecfg.default_hooks = dict(ecfg.get('default_hooks') or {},
                                  checkpoint=dict(type='AtomicCheckpointHook',
                                                  interval=-1))
        if protocol == 'published':
            published_protocol_cfg(ecfg)
    else:
        ecfg.train_dataloader = ecfg.train_cfg = ecfg.optim_wrapper = None
        ecfg.param_scheduler = None
    apply_divergence_guard(ecfg)
    fix_dataloaders(ecfg)
    if launcher != 'none':
        # frozen modules go without gradients under DDP (see FreezeModulesHook)
        if ecfg.get('model_wrapper_cfg'):
            ecfg.model_wrapper_cfg.find_unused_parameters = True
        else:
            ecfg.find_unused_parameters = True
    setup_distributed(ecfg, launcher)
    return ecfg


def run_episode(cfg: Config, shots: int, episode: int, work_dir: str,
                base_ckpt: Optional[str], launcher: str,
                protocol: str = 'final-epoch') -> dict:
    """Adapt (unless ``fewshot.adapt=False``) and evaluate one episode; returns its row."""
    fs = cfg.get('fewshot') or {}
    map_key = fs.get('map_key', 'fewshot/mAP')
    prefix = map_key.rsplit('/', 1)[0]
    published = protocol == 'published' and fs.get('adapt', True)
    ecfg = episode_cfg(cfg, shots, episode, work_dir, base_ckpt, launcher, protocol)
    runner = Runner.from_cfg(ecfg)
    adapted: Dict[str, int] = {}
    support_images = None
    if fs.get('adapt', True):
        support_images = len(runner.train_dataloader.dataset)
        runner.train()
        model = runner.model.module if hasattr(runner.model, 'module') else runner.model
        adapted = trainable_parameter_counts(model)
    evaluated = 'final'
    if published:
        best = best_published_evaluation(work_dir, map_key)
        metrics = best['metrics']
        evaluated = f"best of test evaluations: epoch {best['epoch']}"
    else:
        metrics = runner.test()
    missing = [f'{prefix}/{k}' for k in METRIC_COLUMNS.values()
               if f'{prefix}/{k}' not in metrics]
    if missing:
        raise KeyError(f'{cfg.filename}: the test evaluators gave {sorted(metrics)}, not '
                       f'{missing}; use LogitAveragePrecision and MultiLabelMetric '
                       f"(average 'macro' and 'micro') with prefix '{prefix}'")
    row = dict(shots=shots, episode=episode, support_images=support_images)
    for col, key in METRIC_COLUMNS.items():
        value = float(metrics[f'{prefix}/{key}'])
        if not math.isfinite(value):
            raise ValueError(f'episode {episode} ({shots}-shot): {col} is {value}')
        row[col] = value
    row['adapted'] = ';'.join(f'{k}:{v}' for k, v in sorted(adapted.items())) or 'none'
    row['protocol'], row['evaluated'] = protocol, evaluated
    del runner
    return row


# -- results files -----------------------------------------------------------------------
CSV_FIELDS = ['shots', 'episode', 'support_images', *METRIC_COLUMNS, 'adapted', 'protocol',
              'evaluated']


def read_rows(path: Path) -> Dict[int, dict]:
    if not path.is_file():
        return {}
    with path.open(newline='') as f:
        return {int(r['episode']): r for r in csv.DictReader(f)}


def write_rows(path: Path, rows: Dict[int, dict]) -> None:
    with path.open('w', newline='') as f:
        w = csv.DictWriter(f, fieldnames=CSV_FIELDS)
        w.writeheader()
        for e in sorted(rows):
            w.writerow({k: rows[e].get(k) for k in CSV_FIELDS})


def mean_std(values: Sequence[float]) -> tuple:
    """Mean and sample standard deviation (0 for a single value)."""
    n = len(values)
    mean = sum(values) / n
    std = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1)) if n > 1 else 0.0
    return mean, std


def summarize(rows: Dict[int, dict], shots: int, method: str, config: str,
              run_key: Optional[str] = None, protocol: str = 'final-epoch') -> dict:
    """``metrics.json`` of one K: means (``lt/mAP`` = novel mAP for tools/compare.py),
    standard deviations, the episodes they cover, the run key and the evaluation
    protocol."""
    rec = dict(method=f'{method} ({shots}-shot)', protocol='fewshot-novel', config=config,
               shots=shots, episodes=sorted(rows), run_key=run_key, evaluation=protocol,
               evaluation_detail=PROTOCOLS[protocol])
    for col in METRIC_COLUMNS:
        mean, std = mean_std([float(r[col]) for r in rows.values()])
        rec[f'fewshot/{col}'], rec[f'fewshot/{col}_std'] = mean, std
    rec['lt/mAP'] = rec['fewshot/mAP']
    return rec


def write_summary(work_dir: Path, records: List[dict]) -> None:
    cols = list(METRIC_COLUMNS)
    with (work_dir / 'summary.csv').open('w', newline='') as f:
        w = csv.writer(f)
        w.writerow(['method', 'shots', 'episodes', 'evaluation',
                    *[c for k in cols for c in (k, f'{k}_std')]])
        for r in records:
            w.writerow([r['method'], r['shots'], len(r['episodes']), r['evaluation'],
                        *[round(r[f'fewshot/{c}{s}'], 4) for c in cols for s in ('', '_std')]])
    lines = ['| method | K | episodes | evaluation | ' + ' | '.join(cols) + ' |',
             '|---|---:|---:|---|' + '---:|' * len(cols)]
    for r in records:
        lines.append(f"| {r['method']} | {r['shots']} | {len(r['episodes'])} | "
                     f"{r['evaluation']} | " + ' | '.join(
                         f"{r[f'fewshot/{c}']:.2f} ± {r[f'fewshot/{c}_std']:.2f}"
                         for c in cols) + ' |')
    lines.append('')
    for name in sorted({r['evaluation'] for r in records}):
        lines.append(f'Evaluation `{name}`: {PROTOCOLS[name]}.')
    (work_dir / 'summary.md').write_text('\n'.join(lines) + '\n')


# -- the protocol ------------------------------------------------------------------------
def run_fewshot(args: argparse.Namespace) -> List[dict]:
    """Base training, then every K x episode; returns the per-K summary records."""
    cfg = load_config(args.config, args.cfg_options, args.work_dir)
    if not isinstance(cfg.get('fewshot'), dict):
        raise ValueError(f'{args.config} has no `fewshot = dict(...)`: not a few-shot '
                         'config (see configs/hpdval/fewshot/README.md)')
    warn_missing_safety(cfg)
    setup_unsafe_load(cfg, args.unsafe_load)
    episodes = parse_episodes(args.episodes)
    bad = [k for k in args.shots if k < 1]
    if bad:
        raise ValueError(f'--shots must be >= 1, got {bad}')
    work_dir = Path(cfg.work_dir)
    work_dir.mkdir(parents=True, exist_ok=True)
    record = fewshot_record(cfg, args)
    # Rank 0 holds the work dir for the whole protocol (one few-shot run at a time).
    with work_dir_lock(str(work_dir), take=launcher_rank(args.launcher) == 0):
        run_key = check_run_key(work_dir, record)
        return _run_protocol(cfg, args, work_dir, episodes, run_key)


def _run_protocol(cfg: Config, args: argparse.Namespace, work_dir: Path,
                  episodes: List[int], run_key: str) -> List[dict]:
    if args.base_checkpoint:
        base_ckpt = args.base_checkpoint
    else:
        base_ckpt = train_base(cfg, args, str(work_dir))
    method = cfg.get('method_name') or osp.splitext(osp.basename(args.config))[0]
    adapt = bool(cfg.fewshot.get('adapt', True))
    fixed_row = None
    records = []
    for shots in args.shots:
        kdir = work_dir / f'{shots}shot'
        kdir.mkdir(exist_ok=True)
        csv_path = kdir / 'episodes.csv'
        rows = read_rows(csv_path)
        # an episode scored under the other protocol is run again
        rows = {e: r for e, r in rows.items()
                if (r.get('protocol') or 'final-epoch') == args.protocol}
        for e in episodes:
            if e in rows:
                print_log(f'few-shot: {shots}-shot episode {e} done ({csv_path}), skipped',
                          logger='current')
                continue
            print_log(f'few-shot: {shots}-shot episode {e}', logger='current')
            if not adapt and fixed_row is not None:
                # Without adaptation every episode evaluates the same model on the same
                # test set: evaluated once, the row is repeated.
                row = dict(fixed_row, shots=shots, episode=e)
            else:
                row = run_episode(cfg, shots, e, str(kdir / f'episode_{e:02d}'), base_ckpt,
                                  args.launcher, args.protocol)
                fixed_row = row
            (kdir / f'episode_{e:02d}').mkdir(exist_ok=True)
            if is_main_process():
                rows = read_rows(csv_path)
                rows = {k: r for k, r in rows.items()
                        if (r.get('protocol') or 'final-epoch') == args.protocol}
                rows[e] = row
                write_rows(csv_path, rows)
                (kdir / f'episode_{e:02d}' / 'result.json').write_text(json.dumps(row))
                print_log(f"few-shot: {shots}-shot episode {e}: novel mAP "
                          f"{row['mAP']:.2f}", logger='current')
            barrier()
            rows = read_rows(csv_path)
        done = {e: r for e, r in rows.items() if e in episodes}
        rec = summarize(done, shots, method, args.config, run_key, args.protocol)
        records.append(rec)
        if is_main_process():
            (kdir / 'metrics.json').write_text(json.dumps(rec, indent=2))
    if is_main_process():
        write_summary(work_dir, records)
        for r in records:
            print_log(f"few-shot {r['method']}: novel mAP {r['fewshot/mAP']:.2f} ± "
                      f"{r['fewshot/mAP_std']:.2f} over {len(r['episodes'])} episode(s)",
                      logger='current')
        print_log(f'few-shot: results in {work_dir}/summary.md', logger='current')
    return records
