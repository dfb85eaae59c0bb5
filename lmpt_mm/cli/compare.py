"""Collect the test results of several runs into one comparison table and figure.

A run is an MMEngine work dir. Its **test** metrics come from, in order of preference:

1. ``WORK_DIR/metrics.json`` (written by ``tools/test.py``): ``{"lt/mAP": ..,
   "lt/mAP_head": .., "lt/mAP_medium": .., "lt/mAP_tail": .., "method": "LMPT",
   "protocol": "sigmoid", "checkpoint": {"path": .., "sha256": ..}, ...}``;
2. MMEngine's own test log: ``Runner.test`` dumps the final metrics as one JSON
   object to ``WORK_DIR/<timestamp>/<timestamp>.json`` (the newest timestamp wins).

Validation metrics (the JSON lines a training run with validation appends to
``WORK_DIR/<timestamp>/vis_data/scalars.json``; the last line of the newest run) are
never shown as test metrics: a work dir that has only them is left out of the table
with a warning, or, with ``val=True`` (``tools/compare.py --val``), shown with empty
test columns and its final validation mAP in the separate ``val. mAP`` column.

A ``metrics.json`` is stale when the work dir holds a checkpoint (``*.pth``) newer
than it, or when the checkpoint it records has other bytes now (its sha256 differs):
a warning names both, the table marks the row ``(stale)`` and the CSV's ``stale``
column is ``True``. A ``metrics.json`` that is not a JSON object, or a metric that is
not a number, is an error naming the file.

The method name is ``--names`` if given, else ``metrics.json``'s ``method``, else a
top-level ``method_name = '...'`` in the config dumped into the work dir, else the
work dir's basename.

Per-class AP (optional, for the second panel): ``WORK_DIR/per_class_ap.csv`` with
columns ``class`` (or ``class_name``), ``ap`` (%) and optionally ``train_freq`` (or
``class_freq``), or ``metrics.json`` lists ``per_class_ap``, ``classes``,
``class_freq``. Missing train frequencies can come from a train list file
(``train_ann``).
"""
from __future__ import annotations

import csv
import json
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Literal, Optional, Sequence, Tuple

from lmpt_mm.utils.hashing import file_sha256

#: The group mAPs (plotted) and ``lt/var``, the variance of the per-class AP (%^2,
#: HP-DVAL's "var." column; ``n/a`` for runs evaluated before it existed).
GROUP_KEYS: Tuple[str, ...] = ('lt/mAP', 'lt/mAP_head', 'lt/mAP_medium', 'lt/mAP_tail')
METRIC_KEYS: Tuple[str, ...] = GROUP_KEYS + ('lt/var', )
COLUMNS: Tuple[str, ...] = ('method', 'mAP', 'mAP_head', 'mAP_medium', 'mAP_tail', 'var')
# comparison.csv: the table's columns and whether the row is stale; with ``val=True``
# also VAL_COLUMN, the final validation mAP.
CSV_COLUMNS: Tuple[str, ...] = COLUMNS + ('stale', )
VAL_COLUMN = 'val_mAP'
MetricsKind = Literal['test', 'val']
GROUP_LABELS = ('total', 'head', 'medium', 'tail')
_TIMESTAMP = re.compile(r'^\d{8}_\d{6}$')
_METHOD_NAME = re.compile(r"""^method_name\s*=\s*(['"])(.+?)\1\s*$""", re.M)


@dataclass
class RunResult:
    """One run's row (metrics in %, NaN where a group is absent) and where it came from."""
    method: str
    work_dir: Path
    metrics: Dict[str, float]
    source: Path
    per_class: Optional[List[dict]] = field(default=None)  # {'class', 'ap', 'train_freq'}
    stale: bool = False  # see stale_reason()
    val_metrics: Optional[Dict[str, float]] = None  # final validation (``val=True``)
    val_source: Optional[Path] = None

    def row(self) -> Dict[str, object]:
        return dict(method=self.method, **{c: self.metrics.get(k, float('nan'))
                                           for c, k in zip(COLUMNS[1:], METRIC_KEYS)})

    @property
    def has_test(self) -> bool:
        return METRIC_KEYS[0] in self.metrics


class NoTestMetricsError(ValueError):
    """A work dir has validation metrics but no test result."""


def _json_records(path: Path) -> List[dict]:
    """Records of a JSON file or JSON-lines file."""
    text = path.read_text()
    try:
        obj = json.loads(text)
        return [obj] if isinstance(obj, dict) else []
    except json.JSONDecodeError:
        pass
    records = []
    for line in text.splitlines():
        line = line.strip()
        if line:
            try:
                obj = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(obj, dict):
                records.append(obj)
    return records


def _metrics_json(wd: Path) -> Optional[dict]:
    mfile = wd / 'metrics.json'
    if not mfile.is_file():
        return None
    try:
        rec = json.loads(mfile.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ValueError(f'{mfile} is not valid JSON ({err}); rerun tools/test.py '
                         'for this run or delete the file') from err
    if not isinstance(rec, dict):
        raise ValueError(f'{mfile} must hold a JSON object of metrics, got '
                         f'{type(rec).__name__}')
    return rec


def _logged(wd: Path, kind: MetricsKind) -> List[Tuple[tuple, dict, Path]]:
    """``(order, record, file)`` of MMEngine's test dumps or validation lines."""
    found = []
    for ts_dir in sorted(p for p in wd.iterdir() if p.is_dir() and _TIMESTAMP.match(p.name)):
        path = (ts_dir / f'{ts_dir.name}.json' if kind == 'test'
                else ts_dir / 'vis_data' / 'scalars.json')
        if not path.is_file():
            continue
        # <ts>/<ts>.json is written by Runner.test only (training logs its scalars
        # under vis_data/)
        for order, rec in enumerate(_json_records(path)):
            if METRIC_KEYS[0] in rec:
                found.append(((ts_dir.name, order), rec, path))
    return found


def find_metrics(work_dir: str | Path, kind: MetricsKind = 'test') -> Tuple[dict, Path]:
    """The final ``lt/*`` metrics of a work dir and the file they came from.

    ``kind='test'``: ``metrics.json`` or MMEngine's test dump; a work dir with only
    validation metrics raises :class:`NoTestMetricsError`. ``kind='val'``: the last
    validation line of the newest training run.
    """
    wd = Path(work_dir)
    if not wd.is_dir():
        raise FileNotFoundError(f'work dir {wd} does not exist')
    if kind not in ('test', 'val'):
        raise ValueError(f"kind must be 'test' or 'val', got {kind!r}")
    if kind == 'test':
        rec = _metrics_json(wd)
        if rec is not None and METRIC_KEYS[0] in rec:
            return rec, wd / 'metrics.json'
    candidates = _logged(wd, kind)
    if candidates:
        _, rec, path = max(candidates, key=lambda c: c[0])
        return rec, path
    if kind == 'test' and _logged(wd, 'val'):
        raise NoTestMetricsError(
            f'{wd} has validation metrics only (<timestamp>/vis_data/scalars.json), no '
            'test result: tools/test.py has not run there (run it on the checkpoint '
            'you mean, or compare with --val to see validation in its own column)')
    where = ('metrics.json or MMEngine\'s test log <timestamp>/<timestamp>.json'
             if kind == 'test' else 'validation logs <timestamp>/vis_data/scalars.json')
    raise ValueError(f'no {"validation " if kind == "val" else ""}metrics found in '
                     f'{wd}: expected {where} holding '
                     f'{METRIC_KEYS[0]!r}' + (' (did tools/test.py run?)'
                                              if kind == 'test' else ''))


def newer_checkpoint(work_dir: Path, metrics_file: Path) -> Optional[Path]:
    """The work dir's newest ``*.pth`` if it is newer than ``metrics_file``."""
    ckpts = [p for p in work_dir.glob('*.pth') if p.is_file()]
    if not ckpts:
        return None
    newest = max(ckpts, key=lambda p: p.stat().st_mtime)
    return newest if newest.stat().st_mtime > metrics_file.stat().st_mtime else None


def stale_reason(work_dir: Path, metrics_file: Path, record: dict) -> Optional[str]:
    """Why a ``metrics.json`` no longer describes the run's checkpoint, or None."""
    newer = newer_checkpoint(work_dir, metrics_file)
    if newer is not None:
        return (f'it is older than {newer.name} in the same work dir (checkpoint '
                'written after the test)')
    tested = record.get('checkpoint')
    if isinstance(tested, dict) and isinstance(tested.get('path'), str):
        path = Path(tested['path'])
        if path.is_file() and file_sha256(str(path)) != tested.get('sha256'):
            return (f'the checkpoint it tested, {path}, has other bytes now (sha256 '
                    f'{str(tested.get("sha256"))[:12]}... at test time)')
    return None


def method_name(work_dir: Path, record: dict) -> str:
    if isinstance(record.get('method'), str) and record['method']:
        return record['method']
    for cfg in sorted(work_dir.glob('*.py')):
        m = _METHOD_NAME.search(cfg.read_text(errors='replace'))
        if m:
            return m.group(2)
    return work_dir.resolve().name


def read_train_freq(train_ann: str | Path, num_classes: int) -> List[int]:
    """Per-class image counts of a ``<path> <id> ...`` list file."""
    freq = [0] * num_classes
    path = Path(train_ann)
    for lineno, line in enumerate(path.read_text().splitlines(), 1):
        ids = set(line.split()[1:])
        for tok in ids:
            if not tok.isdigit() or int(tok) >= num_classes:
                raise ValueError(f'{path}:{lineno}: label {tok!r} is not in 0..{num_classes - 1}')
            freq[int(tok)] += 1
    return freq


def read_per_class(work_dir: Path, record: dict) -> Optional[List[dict]]:
    """Per-class AP rows ``{'class', 'ap', 'train_freq' (int or None)}`` if present."""
    # per_class_ap.csv, or what GroupAveragePrecision(out_dir=...) writes
    # (tools/test.py asks for it in the work dir).
    path = next((p for p in (work_dir / 'per_class_ap.csv',
                             work_dir / 'lt_per_class_ap.csv') if p.is_file()), None)
    if path is not None:
        rows = []
        with path.open(newline='') as f:
            for lineno, r in enumerate(csv.DictReader(f), 2):
                name = r.get('class', r.get('class_name'))
                if name is None or r.get('ap') is None:
                    raise ValueError(f'{path}:{lineno}: needs columns class (or class_name) '
                                     f'and ap, got {sorted(r)}')
                if r['ap'] == '':  # undefined AP: no positive test image
                    continue
                freq = r.get('train_freq', r.get('class_freq'))
                rows.append(dict(cls=name, ap=float(r['ap']),
                                 train_freq=int(float(freq)) if freq not in (None, '') else None))
        return rows
    ap = record.get('per_class_ap')
    if isinstance(ap, list) and ap:
        names = record.get('classes') or [str(i) for i in range(len(ap))]
        freq = record.get('class_freq') or [None] * len(ap)
        return [dict(cls=n, ap=float(a), train_freq=f) for n, a, f in zip(names, ap, freq)]
    return None


def metric_values(record: dict, source: Path) -> Dict[str, float]:
    """The ``lt/*`` metrics of a record as floats; a non-number names the file."""
    out = {}
    for key in METRIC_KEYS:
        if key not in record:
            continue
        value = record[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f'{source}: {key} is {value!r}, not a number; rerun '
                             'tools/test.py for this run or fix the file')
        out[key] = float(value)
    return out


def collect(work_dirs: Sequence[str | Path], names: Optional[Sequence[str]] = None,
            train_ann: Optional[str | Path] = None, val: bool = False
            ) -> List[RunResult]:
    """One :class:`RunResult` per work dir, in the given order.

    A work dir without a test result is left out with a warning, or with ``val``
    kept with empty test columns; ``val`` also reads every run's final validation
    metrics into ``val_metrics``.
    """
    if names is not None and len(names) != len(work_dirs):
        raise ValueError(f'{len(names)} names for {len(work_dirs)} work dirs')
    results = []
    for i, wd in enumerate(work_dirs):
        wd = Path(wd)
        val_metrics = val_src = None
        if val:
            try:
                val_rec, val_src = find_metrics(wd, 'val')
                val_metrics = metric_values(val_rec, val_src)
            except ValueError:  # a test-only run (e.g. zero-shot): no validation
                pass
        try:
            rec, src = find_metrics(wd)
        except NoTestMetricsError as err:
            if not val:
                warnings.warn(f'{err}. Left out of the table.', stacklevel=2)
                continue
            rec, src = {}, val_src
        metrics = metric_values(rec, src)
        per_class = read_per_class(wd, rec) if rec else None
        if per_class and train_ann is not None and any(r['train_freq'] is None for r in per_class):
            freq = read_train_freq(train_ann, len(per_class))
            for r, f in zip(per_class, freq):
                r['train_freq'] = f
        stale = False
        if src.name == 'metrics.json':
            reason = stale_reason(wd, src, rec)
            if reason is not None:
                stale = True
                warnings.warn(f'{src} is stale: {reason}; rerun tools/test.py on the '
                              'checkpoint you mean. Marked (stale) in the table.',
                              stacklevel=2)
        results.append(RunResult(names[i] if names else method_name(wd, rec), wd,
                                 metrics, src, per_class, stale, val_metrics, val_src))
    if not results:
        raise ValueError(f'none of the {len(work_dirs)} work dir(s) has a test result '
                         '(see the warnings); run tools/test.py, or pass --val to '
                         'compare validation metrics in their own column')
    return results


def _fmt(v: float) -> str:
    return 'n/a' if v != v else f'{v:.2f}'


def _val_map(r: RunResult) -> float:
    return (r.val_metrics or {}).get(METRIC_KEYS[0], float('nan'))


def to_markdown(results: Sequence[RunResult]) -> str:
    """The table; a ``val. mAP`` column (final validation, not test) when any run
    carries validation metrics."""
    val = any(r.val_metrics is not None for r in results)
    head = ('| method | mAP | head | medium | tail | var. |' + (' val. mAP |' if val else '')
            + '\n|---|---:|---:|---:|---:|---:|' + ('---:|' if val else '') + '\n')
    lines = [f'| {r.method}{" (stale)" if r.stale else ""} | '
             + ' | '.join(_fmt(v) for v in list(r.row().values())[1:])
             + (f' | {_fmt(_val_map(r))}' if val else '') + ' |'
             for r in results]
    note = ('\nval. mAP: final-epoch validation mAP (validation split), not a test '
            'result; n/a in the test columns: the run was never tested.\n' if val else '')
    return head + '\n'.join(lines) + '\n' + note


def write_csv(results: Sequence[RunResult], path: str | Path) -> None:
    """``comparison.csv``: :data:`CSV_COLUMNS` (``stale``: True/False), plus
    ``val_mAP`` when any run carries validation metrics."""
    val = any(r.val_metrics is not None for r in results)
    fields = list(CSV_COLUMNS) + ([VAL_COLUMN] if val else [])
    with open(path, 'w', newline='') as f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        for r in results:
            row = dict(r.row(), stale=r.stale)
            if val:
                row[VAL_COLUMN] = _val_map(r)
            w.writerow({k: (round(v, 4) if isinstance(v, float) else v)
                        for k, v in row.items()})


def plot(results: Sequence[RunResult], path: str | Path, title: str = '') -> None:
    """Grouped bars (group x method); per-class AP vs train frequency if available."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    import numpy as np

    results = [r for r in results if r.has_test]  # the figure shows test results only
    with_pc = [r for r in results if r.per_class and
               all(p['train_freq'] is not None for p in r.per_class)]
    fig, axes = plt.subplots(1, 2 if with_pc else 1, figsize=(13 if with_pc else 7, 4.5),
                             squeeze=False)
    ax = axes[0, 0]
    n = max(1, len(results))
    width = 0.8 / n
    x = np.arange(len(GROUP_LABELS))
    for i, r in enumerate(results):
        vals = [r.metrics.get(k, np.nan) for k in GROUP_KEYS]
        ax.bar(x - 0.4 + width * (i + .5), vals, width, label=r.method)
    ax.set_xticks(x, GROUP_LABELS)
    ax.set_ylabel('mAP (%)')
    ax.set_title('mAP by class group')
    if results:
        ax.legend(fontsize=8, ncol=4, loc='upper center', bbox_to_anchor=(0.5, -0.08))
    ax.grid(axis='y', alpha=.3)
    if with_pc:
        ax = axes[0, 1]
        markers = 'osD^v<>ph*'
        for i, r in enumerate(with_pc):
            f = np.array([p['train_freq'] for p in r.per_class], float)
            a = np.array([p['ap'] for p in r.per_class], float)
            order = np.argsort(f, kind='stable')
            ax.plot(np.maximum(f[order], .8), a[order], marker=markers[i % len(markers)],
                    ms=5, ls='none', alpha=.8, label=r.method)
        ax.set_xscale('log')
        ax.set_xlabel('training images of the class')
        ax.set_ylabel('AP (%)')
        ax.set_title('per-class AP vs train frequency')
        ax.grid(alpha=.3)
        ax.legend(fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def compare(work_dirs: Sequence[str | Path], out_dir: str | Path,
            names: Optional[Sequence[str]] = None, train_ann: Optional[str | Path] = None,
            title: str = '', val: bool = False) -> List[RunResult]:
    """Write ``comparison.{md,csv,png}`` into ``out_dir`` and return the rows."""
    results = collect(work_dirs, names, train_ann, val)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / 'comparison.md').write_text(to_markdown(results))
    write_csv(results, out / 'comparison.csv')
    plot(results, out / 'comparison.png', title)
    return results
