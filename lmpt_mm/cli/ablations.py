"""Ablation tables on the offline world, scored on the validation split (``make ablations``).

Every row is one run of an offline config with ``--cfg-options`` (the demo's world and
small CLIP), through ``tools/train.py`` (scored by the run's final-epoch validation on
``lt_val.txt``) or, for rows without training, ``tools/test.py CONFIG none`` on
``lt_val.txt``. The tables are written to ``OUT_DIR/ablations.md`` (mAP, head, medium,
tail, var. in %) and ``ablations.csv``; finished rows are reused while their command
and run key (the resolved config: the config file with its ``_base_`` files and the
row's options merged, see :func:`lmpt_mm.cli.sweep.trial_record`) are unchanged; both
are recorded in the row's work dir.

Tables (the rows the benchmark issue asks for):

- LMPT: {shared, class-specific} contexts x {DB, DB + CSE}; the CSE weight curve
  (``lam=0.5``, CSE ``loss_weight`` in {0, 1, 3, 10, 30, 100}); CSE ``mode`` feature
  vs token.
- HP-DVAL (its paper's Table V on this world): the dual-view score without training
  (``alpha`` in {1, 0.6, 0.4, 0} x ``local_topk`` in {8, 32}; ``alpha=1`` is zero-shot
  CLIP exactly), stage 1 only (+DVAL), + HPT (stage 2 without L_sc), + SC (the full
  method), joint single stage, and stage 2 reduced to CoOp (``load_from=None``,
  ``alpha=1``, no L_sc, DB).
- Losses for prompt tuning: CoOp with BCE / Focal / DB / DB*.
- DualCoOp: as configured beside CoOp started, like DualCoOp, from 16 random context
  tokens (with DB, and with DualCoOp's asymmetric loss): separates the local view from
  the initialisation.
"""
from __future__ import annotations

import csv
import json
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from lmpt_mm.cli.compare import COLUMNS, METRIC_KEYS, find_metrics
from lmpt_mm.cli.sweep import trial_record
from lmpt_mm.utils.hashing import json_digest
from lmpt_mm.cli.demo import (OFFLINE, DemoError, DemoSettings, _overrides, _run,
                              last_checkpoint, make_world_and_clip)

VAL_ANN = 'lt_val.txt'
LMPT = 'lmpt_synth-vit_synth-lt'
COOP = 'coop_synth-vit_synth-lt'
DUALCOOP = 'dualcoop_synth-vit_synth-lt'
STAGE1 = 'hpdval-stage1_synth-vit_synth-lt'
STAGE2 = 'hpdval-stage2_synth-vit_synth-lt'
ZERO_SHOT = 'zeroshot-clip_synth-vit_synth-lt'
CSE_WEIGHTS = (0, 1, 3, 10, 30, 100)


@dataclass(frozen=True)
class Row:
    label: str
    stem: str
    options: Sequence[str] = ()
    train: bool = True
    load_from: Optional[str] = None  # label of a row (same table) whose checkpoint to load


@dataclass
class Table:
    title: str
    rows: Sequence[Row]
    note: str = ''
    results: Dict[str, Dict[str, float]] = field(default_factory=dict)
    failed: Dict[str, str] = field(default_factory=dict)


def _lmpt_rows() -> List[Row]:
    rows = []
    for csc, ctx in ((False, 'shared'), (True, 'class-specific')):
        for cse, loss in ((0, 'DB'), (10, 'DB + CSE (weight 10)')):
            rows.append(Row(f'{ctx}, {loss}', LMPT, (
                f'model.head.prompt_learner.csc={csc}',
                f'model.head.cse_loss.loss_weight={cse}')))
    rows += [Row(f'shared, CSE weight {w}', LMPT, (
        'model.head.prompt_learner.csc=False', f'model.head.cse_loss.loss_weight={w}'))
        for w in CSE_WEIGHTS if w not in (0, 10)]
    rows += [Row(f'shared, CSE weight 10, mode {mode}', LMPT, (
        'model.head.prompt_learner.csc=False', 'model.head.cse_loss.loss_weight=10',
        f'model.head.cse_loss.mode={mode}')) for mode in ('token', )]
    return rows


def _hpdval_rows() -> List[Row]:
    rows = [Row(f'zero-shot dual view, alpha {a}, top-{k}', STAGE1, (
        f'model.head.alpha={a}', f'model.head.local_topk={k}'), train=False)
        for a in (1.0, 0.6, 0.4, 0.0) for k in (8, 32)]
    rows += [
        Row('stage 1 only (+DVAL)', STAGE1),
        Row('+ HPT (stage 2, no L_sc)', STAGE2, ('model.head.sc_weight=0.0', ),
            load_from='stage 1 only (+DVAL)'),
        Row('+ SC (stage 2, full HP-DVAL)', STAGE2, load_from='stage 1 only (+DVAL)'),
        # stage 1's student, teacher and KD with stage 2's prompts and L_sc
        Row('joint single stage (student + prompts, KD)', STAGE1, (
            'model.head.type=HPTHead',
            "model.head.global_prompt_learner.ctx_init='a photo of a'",
            "model.head.local_prompt_learner.ctx_init='a photo of a'")),
        # at CoOp's learning rate: the stage-2 config has its own (val-chosen) one
        Row('stage 2 reduced to CoOp (no stage 1, alpha 1, no L_sc, DB)', STAGE2, (
            'load_from=None', 'model.head.alpha=1.0', 'model.head.sc_weight=0.0',
            'model.head.loss.variant=db', f'optim_wrapper.optimizer.lr={_coop_lr()}')),
        Row('CoOp (reference)', COOP),
    ]
    return rows


def _loss_rows() -> List[Row]:
    return [
        Row('CoOp, BCE', COOP, ('model.head.loss._delete_=True',
                                'model.head.loss.type=CrossEntropyLoss',
                                'model.head.loss.use_sigmoid=True')),
        Row('CoOp, Focal', COOP, ('model.head.loss._delete_=True',
                                  'model.head.loss.type=FocalLoss')),
        Row('CoOp, DB', COOP),
        Row('CoOp, DB*', COOP, ('model.head.loss.variant=db_star', )),
    ]


def _coop_lr() -> float:
    """The offline CoOp config's learning rate (read from the repository's file)."""
    from mmengine.config import Config
    repo = Path(__file__).resolve().parents[2]
    return Config.fromfile(str(repo / OFFLINE / f'{COOP}.py')).optim_wrapper.optimizer.lr


def _dualcoop_rows() -> List[Row]:
    random16 = ('model.head.prompt_learner.ctx_init=None',
                'model.head.prompt_learner.n_ctx=16')
    return [
        Row('DualCoOp as configured (16 random tokens, local view, ASL)', DUALCOOP),
        Row('CoOp (4 tokens from "a photo of a", global view, DB)', COOP),
        Row('CoOp from 16 random tokens (DualCoOp\'s init), DB', COOP, random16),
        Row('CoOp from 16 random tokens, ASL (DualCoOp\'s loss)', COOP, random16 + (
            'model.head.loss._delete_=True', 'model.head.loss.type=DetachableAsymmetricLoss',
            'model.head.loss.use_sigmoid=True', 'model.head.loss.gamma_pos=0.0',
            'model.head.loss.gamma_neg=4.0', 'model.head.loss.clip=0.05',
            'model.head.loss.eps=1e-06', 'model.head.loss.detach_focal_weight=True',
            'model.head.loss.reduction=sum', 'model.head.loss.loss_weight=1.0')),
    ]


def default_tables() -> List[Table]:
    return [
        Table('LMPT: contexts x losses, CSE weight, CSE mode', _lmpt_rows(),
              'lam = 0.5 throughout; "DB" = CSE loss_weight 0.'),
        Table('HP-DVAL (Table V on this world)', _hpdval_rows(),
              'Zero-shot rows: stage-1 model at initialisation (tools/test.py none), '
              'alpha = 1 is zero-shot CLIP exactly. End-to-end rows differ from CoOp '
              'only through data order and cached-view draws where the models reduce '
              'to each other (tests/models/hpdval/test_hpdval_reductions.py).'),
        Table('Losses for prompt tuning (CoOp)', _loss_rows()),
        Table('DualCoOp: local view or initialisation', _dualcoop_rows(),
              'The local view alone without training is the HP-DVAL table\'s '
              '"alpha 0.0" rows.'),
    ]


def _slug(text: str) -> str:
    """A row's folder name ('DB*' must not share 'DB''s folder)."""
    text = text.lower().replace('*', '-star')
    return ''.join(c if c.isalnum() else '-' for c in text).strip('-')[:80]


def run_row(settings: DemoSettings, table: Table, row: Row, out: Path,
            python: str = sys.executable, t0: float = 0.0) -> Dict[str, float]:
    wd = out / 'ablations' / _slug(table.title) / _slug(row.label)
    wd.mkdir(parents=True, exist_ok=True)
    prev = None
    if row.load_from is not None:
        prev = out / 'ablations' / _slug(table.title) / _slug(row.load_from)
    opts = _overrides(settings, row.stem, prev, train=row.train)
    if row.train:
        opts += list(row.options)
        cmd = [python, 'tools/train.py', f'{OFFLINE}/{row.stem}.py', '--work-dir',
               str(wd), *opts]
    else:
        opts += [f'test_dataloader.dataset.ann_file={VAL_ANN}', *row.options]
        cmd = [python, 'tools/test.py', f'{OFFLINE}/{row.stem}.py', 'none',
               '--work-dir', str(wd), *opts]
    split = 'val' if row.train else 'test'
    key = json_digest(trial_record(f'{OFFLINE}/{row.stem}.py',
                                   [o for o in opts if o != '--cfg-options'], split), 16)
    stamp = wd / 'ablation_row.json'
    if stamp.is_file():
        old = json.loads(stamp.read_text())
        if old.get('cmd') == cmd[1:] and old.get('key') == key and old.get('metrics'):
            return old['metrics']
    # The folder is this row's alone: a run of other options (or an unfinished one) is
    # replaced, not mixed with (tools/train.py refuses another config's checkpoints).
    shutil.rmtree(wd)
    wd.mkdir(parents=True)
    _run(cmd, wd / 'ablation.log', f'{table.title[:20]}: {row.label}', t0)
    if row.train:
        last_checkpoint(wd)  # fails clearly if training did not finish
    record, _ = find_metrics(wd, split)
    metrics = {k: float(record[k]) for k in METRIC_KEYS if k in record}
    stamp.write_text(json.dumps(dict(cmd=cmd[1:], key=key, metrics=metrics), indent=1)
                     + '\n')
    return metrics


def to_markdown(tables: Sequence[Table]) -> str:
    parts = ['# Ablations on the offline world (validation split, lt_val.txt)\n',
             'mAP / group mAP / var. (variance of the per-class AP) in %, final epoch, '
             'one seed (0).\n']
    for t in tables:
        parts.append(f'\n## {t.title}\n')
        if t.note:
            parts.append(f'\n{t.note}\n')
        parts.append('\n| run | mAP | head | medium | tail | var. |\n'
                     '|---|---:|---:|---:|---:|---:|\n')
        for row in t.rows:
            m = t.results.get(row.label)
            missing = 'failed (see its ablation.log)' if row.label in t.failed else 'not run'
            cells = ([missing] + [''] * 4 if m is None else
                     [f'{m[k]:.2f}' if k in m else 'n/a' for k in METRIC_KEYS])
            parts.append(f'| {row.label} | ' + ' | '.join(cells) + ' |\n')
    return ''.join(parts)


def run_ablations(settings: DemoSettings, tables: Optional[Sequence[Table]] = None,
                  only: Optional[Sequence[str]] = None,
                  pretrain_args: Sequence[str] = (),
                  python: str = sys.executable) -> Path:
    """Run the selected rows; write ``ablations.md`` / ``.csv`` in ``out_dir``.

    ``only``: words of which one must occur in a row's table title or label
    (case-insensitive); rows not run are marked so. Rows run earlier (same command)
    are read back from their work dirs. ``pretrain_args`` go to
    ``tools/pretrain_clip.py`` (they must match the small CLIP in ``out_dir``).
    """
    t0 = time.time()
    tables = list(tables or default_tables())
    out = settings.out_dir
    out.mkdir(parents=True, exist_ok=True)
    logs = out / 'logs'
    make_world_and_clip(settings.data_dir, settings.clip_checkpoint, None,
                        lambda text: text.split(' -> ')[0], logs, t0, python, pretrain_args)
    for table in tables:
        for row in table.rows:
            where = f'{table.title} {row.label}'.lower()
            if only and not any(key.lower() in where for key in only):
                continue
            try:
                table.results[row.label] = run_row(settings, table, row, out, python, t0)
            except DemoError as err:  # one broken row must not hide the others
                print(f'[ablations] {row.label}: FAILED\n{err}', flush=True)
                table.failed[row.label] = str(err).splitlines()[0]
            (out / 'ablations.md').write_text(to_markdown(tables))
    (out / 'ablations.md').write_text(to_markdown(tables))
    with open(out / 'ablations.csv', 'w', newline='') as f:
        w = csv.writer(f)
        w.writerow(['table', 'run', *COLUMNS[1:]])
        for t in tables:
            for row in t.rows:
                m = t.results.get(row.label, {})
                w.writerow([t.title, row.label,
                            *[round(m[k], 4) if k in m else '' for k in METRIC_KEYS]])
    return out / 'ablations.md'
