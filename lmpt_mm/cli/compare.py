"""Collect the test results of several runs into one comparison table and figure.

A run is an MMEngine work dir. Its metrics come from, in order of preference:

1. ``WORK_DIR/metrics.json`` (written by ``tools/test.py``): ``{"lt/mAP": ..,
   "lt/mAP_head": .., "lt/mAP_medium": .., "lt/mAP_tail": .., "method": "LMPT",
   "protocol": "sigmoid", ...}``;
2. MMEngine's own logs: ``Runner.test`` dumps the final metrics as one JSON object to
   ``WORK_DIR/<timestamp>/<timestamp>.json``; training runs with validation append
   JSON lines to ``WORK_DIR/<timestamp>/vis_data/scalars.json``. The newest
   timestamp wins, a test dump over validation lines of the same run.

A ``metrics.json`` older than the work dir's newest checkpoint (``*.pth``) is stale
(the checkpoint was written after the test): a warning names both, and the table marks
the row ``(stale)``. A ``metrics.json`` that is not a JSON object is an error naming it.

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
from typing import Dict, List, Optional, Sequence, Tuple

#: The group mAPs (plotted) and ``lt/var``, the variance of the per-class AP (%^2,
#: HP-DVAL's "var." column; ``n/a`` for runs evaluated before it existed).
GROUP_KEYS: Tuple[str, ...] = ('lt/mAP', 'lt/mAP_head', 'lt/mAP_medium', 'lt/mAP_tail')
METRIC_KEYS: Tuple[str, ...] = GROUP_KEYS + ('lt/var', )
COLUMNS: Tuple[str, ...] = ('method', 'mAP', 'mAP_head', 'mAP_medium', 'mAP_tail', 'var')
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
    stale: bool = False  # metrics.json older than the newest checkpoint

    def row(self) -> Dict[str, object]:
        return dict(method=self.method, **{c: self.metrics.get(k, float('nan'))
                                           for c, k in zip(COLUMNS[1:], METRIC_KEYS)})


def _json_records(path: Path) -> List[Tuple[int, dict]]:
    """Records of a JSON file or JSON-lines file, each with a priority (object: 2)."""
    text = path.read_text()
    try:
        obj = json.loads(text)
        return [(2, obj)] if isinstance(obj, dict) else []
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
                records.append((1, obj))
    return records


def find_metrics(work_dir: str | Path) -> Tuple[dict, Path]:
    """The final ``lt/*`` metrics of a work dir and the file they came from."""
    wd = Path(work_dir)
    if not wd.is_dir():
        raise FileNotFoundError(f'work dir {wd} does not exist')
    mfile = wd / 'metrics.json'
    if mfile.is_file():
        try:
            rec = json.loads(mfile.read_text())
        except (json.JSONDecodeError, UnicodeDecodeError) as err:
            raise ValueError(f'{mfile} is not valid JSON ({err}); rerun tools/test.py '
                             'for this run or delete the file') from err
        if not isinstance(rec, dict):
            raise ValueError(f'{mfile} must hold a JSON object of metrics, got '
                             f'{type(rec).__name__}')
        if METRIC_KEYS[0] in rec:
            return rec, mfile
    candidates = []
    for ts_dir in sorted(p for p in wd.iterdir() if p.is_dir() and _TIMESTAMP.match(p.name)):
        for path in (ts_dir / f'{ts_dir.name}.json', ts_dir / 'vis_data' / 'scalars.json'):
            if not path.is_file():
                continue
            for order, (prio, rec) in enumerate(_json_records(path)):
                if METRIC_KEYS[0] in rec:
                    candidates.append(((ts_dir.name, prio, order), rec, path))
    if not candidates:
        raise ValueError(f'no metrics found in {wd}: expected metrics.json or MMEngine logs '
                         f'<timestamp>/<timestamp>.json / <timestamp>/vis_data/scalars.json '
                         f'holding {METRIC_KEYS[0]!r} (did tools/test.py run?)')
    _, rec, path = max(candidates, key=lambda c: c[0])
    return rec, path


def newer_checkpoint(work_dir: Path, metrics_file: Path) -> Optional[Path]:
    """The work dir's newest ``*.pth`` if it is newer than ``metrics_file``."""
    ckpts = [p for p in work_dir.glob('*.pth') if p.is_file()]
    if not ckpts:
        return None
    newest = max(ckpts, key=lambda p: p.stat().st_mtime)
    return newest if newest.stat().st_mtime > metrics_file.stat().st_mtime else None


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


def collect(work_dirs: Sequence[str | Path], names: Optional[Sequence[str]] = None,
            train_ann: Optional[str | Path] = None) -> List[RunResult]:
    """One :class:`RunResult` per work dir, in the given order."""
    if names is not None and len(names) != len(work_dirs):
        raise ValueError(f'{len(names)} names for {len(work_dirs)} work dirs')
    results = []
    for i, wd in enumerate(work_dirs):
        wd = Path(wd)
        rec, src = find_metrics(wd)
        metrics = {k: float(rec[k]) for k in METRIC_KEYS if k in rec}
        per_class = read_per_class(wd, rec)
        if per_class and train_ann is not None and any(r['train_freq'] is None for r in per_class):
            freq = read_train_freq(train_ann, len(per_class))
            for r, f in zip(per_class, freq):
                r['train_freq'] = f
        stale = False
        if src.name == 'metrics.json':
            newer = newer_checkpoint(wd, src)
            if newer is not None:
                stale = True
                warnings.warn(f'{src} is stale: it is older than {newer.name} in the same '
                              'work dir (checkpoint written after the test); rerun '
                              'tools/test.py on the checkpoint you mean. Marked (stale) '
                              'in the table.', stacklevel=2)
        results.append(RunResult(names[i] if names else method_name(wd, rec), wd,
                                 metrics, src, per_class, stale))
    return results


def _fmt(v: float) -> str:
    return 'n/a' if v != v else f'{v:.2f}'


def to_markdown(results: Sequence[RunResult]) -> str:
    head = ('| method | mAP | head | medium | tail | var. |\n'
            '|---|---:|---:|---:|---:|---:|\n')
    lines = [f'| {r.method}{" (stale)" if r.stale else ""} | '
             + ' | '.join(_fmt(v) for v in list(r.row().values())[1:]) + ' |'
             for r in results]
    return head + '\n'.join(lines) + '\n'


def write_csv(results: Sequence[RunResult], path: str | Path) -> None:
    with open(path, 'w', newline='') as f:
        w = csv.DictWriter(f, fieldnames=list(COLUMNS))
        w.writeheader()
        for r in results:
            w.writerow({k: (round(v, 4) if isinstance(v, float) else v)
                        for k, v in r.row().items()})


def plot(results: Sequence[RunResult], path: str | Path, title: str = '') -> None:
    """Grouped bars (group x method); per-class AP vs train frequency if available."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    import numpy as np

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
            title: str = '') -> List[RunResult]:
    """Write ``comparison.{md,csv,png}`` into ``out_dir`` and return the rows."""
    results = collect(work_dirs, names, train_ann)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / 'comparison.md').write_text(to_markdown(results))
    write_csv(results, out / 'comparison.csv')
    plot(results, out / 'comparison.png', title)
    return results
