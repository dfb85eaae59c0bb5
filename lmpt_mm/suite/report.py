"""The comparison a suite writes into its work dir after its runs.

Long-tailed suites on the test split:

- ``comparison.{md,csv,png}``: the first seed's runs, one row per method
  (:func:`lmpt_mm.cli.compare.compare`, the table of ``tools/compare.py``);
- appended to ``comparison.md`` and in ``comparison_seeds.csv``: mean +- std over seeds
  per column and the paired difference of mAP to each baseline with a 95% t-interval
  over seeds (:mod:`lmpt_mm.evaluation.seed_stats`);
- ``comparison_groups.{md,csv}`` and ``comparison_seeds.png``: the paired differences
  to each baseline per group (total, head, medium, tail).

Validation suites (``split='val'``, ablations): ``comparison.md`` / ``.csv`` hold one
table per ``table`` of the methods, the final validation metrics (seed-mean).
Few-shot suites: ``fewshot.md`` (novel mAP mean +- std over episodes per K, CF1 / OF1)
and the per-K table of ``tools/compare.py``.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

from lmpt_mm.cli.compare import COLUMNS, METRIC_KEYS, compare, find_metrics
from lmpt_mm.evaluation.seed_stats import mean_std, paired_t_interval
from lmpt_mm.utils.csv_rows import write_rows_csv

from .plan import run_dir
from .spec import Baseline, Method, Suite

GROUPS = (('lt/mAP', 'total'), ('lt/mAP_head', 'head'), ('lt/mAP_medium', 'medium'),
          ('lt/mAP_tail', 'tail'))
Scores = Dict[str, List[Dict[str, float]]]


def tested_dirs(suite: Suite, method: Method) -> List[Path]:
    """The work dirs holding a method's results, one per seed (one when unseeded)."""
    stage = (method.tested_stage if suite.split == 'test' or not method.trained
             else method.stages[-1])
    if not stage.seeded:
        return [run_dir(suite, method, stage, None)]
    return [run_dir(suite, method, stage, s) for s in suite.seeds]


def collect_scores(suite: Suite, methods: Sequence[str]) -> Scores:
    """Method -> one ``lt/*`` metrics dict per seed (the suite's split)."""
    scores: Scores = {}
    for name in methods:
        method = suite.method(name)
        kind = 'val' if suite.split == 'val' and method.trained else 'test'
        dirs = tested_dirs(suite, method)
        scores[name] = [{k: float(v) for k, v in find_metrics(d, kind)[0].items()
                         if k.startswith('lt/') and isinstance(v, (int, float))}
                        for d in dirs]
    return scores


def _column_slug(label: str) -> str:
    return re.sub(r'[^a-z0-9]+', '_', label.lower()).strip('_')


def _missing_pair(method: str, ref: str, scores: Scores,
                  deterministic: Sequence[str]) -> Optional[str]:
    one_run = [m for m in (method, ref) if len(scores[m]) == 1 and m not in deterministic]
    return one_run[0] if one_run else None


def seed_table(scores: Scores, baselines: Sequence[Baseline], metric: str = 'lt/mAP',
               deterministic: Sequence[str] = ()) -> Tuple[str, List[dict]]:
    """Markdown table and CSV rows: mean +- std per column over seeds and the paired
    difference of ``metric`` to each baseline (95% t-interval over seeds).

    Args:
        scores: method -> one metrics dict per seed, seeds in the same order for
            every method (paired by position).
        baselines: the references of the difference columns.
        deterministic: methods whose single run is exact (no training, e.g.
            zero-shot CLIP): they pair with every seed. Any other single-run method
            gets no interval.
    """
    labels = ['mAP', 'head', 'medium', 'tail', 'var.']
    short = metric.split('/')[1]
    head = ('| method | seeds | ' + ' | '.join(labels)
            + ''.join(f' | {short} - {b.label} (95% CI)' for b in baselines) + ' |\n')
    head += '|---|---:|' + '---:|' * len(labels) + '---:|' * len(baselines)
    lines, rows = [head], []
    for method, runs in scores.items():
        cells, row = [], dict(method=method, seeds=len(runs))
        for key, col in zip(METRIC_KEYS, COLUMNS[1:]):
            vals = [r[key] for r in runs if key in r]
            if not vals:
                cells.append('n/a')
                continue
            m, sd = mean_std(vals)
            row[col], row[f'{col}_std'] = round(m, 4), round(sd, 4)
            cells.append(f'{m:.2f} +- {sd:.2f}')
        for b in baselines:
            if method == b.name:
                cells.append('-')
                continue
            single = _missing_pair(method, b.name, scores, deterministic)
            if single:
                cells.append(f'n/a ({single}: 1 run)')
                continue
            ci = paired_t_interval([r[metric] for r in runs],
                                   [r[metric] for r in scores[b.name]])
            col = f'diff_{_column_slug(b.label)}'
            row[col] = round(ci.mean, 4)
            row[f'{col}_ci95'] = round(ci.half_width, 4) if ci.defined else ''
            cells.append(ci.fmt())
        lines.append(f'| {method} | {len(runs)} | ' + ' | '.join(cells) + ' |')
        rows.append(row)
    return '\n'.join(lines) + '\n', rows


def baseline_pairs(baselines: Sequence[Baseline],
                   methods: Sequence[str]) -> Iterator[Tuple[Baseline, str]]:
    """``(baseline, method)`` for every difference a comparison reports: each method
    against each baseline, leaving out the baseline itself and the baselines before it
    (``b - a`` mirrors the ``a - b`` already listed)."""
    for k, base in enumerate(baselines):
        earlier = {b.name for b in baselines[:k + 1]}
        for method in methods:
            if method not in earlier:
                yield base, method


def group_differences(scores: Scores, baselines: Sequence[Baseline],
                      deterministic: Sequence[str] = ()) -> Tuple[str, List[dict]]:
    """Paired differences to each baseline per group (total / head / medium / tail),
    95% t-intervals over seeds: a Markdown table and CSV rows."""
    lines = ['| method | baseline | seeds | ' + ' | '.join(g for _, g in GROUPS) + ' |',
             '|---|---|---:|' + '---:|' * len(GROUPS)]
    rows = []
    for b, method in baseline_pairs(baselines, list(scores)):
        runs = scores[method]
        single = _missing_pair(method, b.name, scores, deterministic)
        cells, row = [], dict(method=method, baseline=b.name, seeds=len(runs))
        for key, group in GROUPS:
            if single or not all(key in r for r in runs + scores[b.name]):
                cells.append('n/a')
                continue
            ci = paired_t_interval([r[key] for r in runs],
                                   [r[key] for r in scores[b.name]])
            row[group], row[f'{group}_ci95'] = (
                round(ci.mean, 4), round(ci.half_width, 4) if ci.defined else '')
            cells.append(ci.fmt())
        lines.append(f'| {method} | {b.name} | {len(runs)} | ' + ' | '.join(cells)
                     + ' |')
        rows.append(row)
    return '\n'.join(lines) + '\n', rows


def plot_differences(rows: Sequence[dict], path: Path, title: str = '') -> None:
    """One panel per baseline: each method's paired difference per group, with its
    95% interval."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    baselines = list(dict.fromkeys(r['baseline'] for r in rows))
    if not baselines:
        return
    fig, axes = plt.subplots(1, len(baselines), figsize=(6 * len(baselines), 4),
                             squeeze=False)
    for ax, base in zip(axes[0], baselines):
        mine = [r for r in rows if r['baseline'] == base]
        width = 0.8 / len(GROUPS)
        for g, (_, group) in enumerate(GROUPS):
            xs = [i + (g - 1.5) * width for i in range(len(mine))]
            ys = [r.get(group, float('nan')) for r in mine]
            err = [r.get(f'{group}_ci95') or 0.0 for r in mine]
            ax.bar(xs, ys, width, yerr=err, capsize=2, label=group)
        ax.axhline(0.0, color='black', linewidth=0.8)
        ax.set_xticks(range(len(mine)))
        ax.set_xticklabels([r['method'] for r in mine], rotation=30, ha='right')
        ax.set_ylabel(f'mAP - {base} (points, 95% CI over seeds)')
        ax.legend(fontsize=7)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def _deterministic(suite: Suite) -> List[str]:
    return [m.name for m in suite.methods if not m.trained]


def long_tailed_report(suite: Suite, methods: Sequence[str]) -> Path:
    """The comparison of a long-tailed test suite (see the module docstring)."""
    out = Path(suite.work_dir)
    first = [tested_dirs(suite, suite.method(m))[0] for m in methods]
    train_ann = suite.expand(suite.train_ann) if suite.train_ann else None
    compare(first, out, list(methods), train_ann, suite.expand(suite.title))
    scores = collect_scores(suite, methods)
    baselines = [b for b in suite.baselines if b.name in methods]
    table, rows = seed_table(scores, baselines, deterministic=_deterministic(suite))
    seeds = ', '.join(map(str, suite.seeds))
    text = (f'\n## Over seeds ({seeds}; trained methods)\n\n'
            'Mean +- sample std over seeds, in %; the last columns are paired '
            'differences of mAP (same seed) with a 95% Student-t interval over seeds '
            '(training variation on the fixed test split, not test-image sampling). '
            'Methods with one run: their single run.\n\n' + table)
    with open(out / 'comparison.md', 'a') as f:
        f.write(text)
    write_rows_csv(out / 'comparison_seeds.csv', rows)
    groups, group_rows = group_differences(scores, baselines, _deterministic(suite))
    (out / 'comparison_groups.md').write_text(
        f'# Paired differences per group ({suite.expand(suite.title)})\n\n'
        f'mAP points, method - baseline on the same seed ({seeds}), mean and 95% '
        'Student-t interval over seeds.\n\n' + groups)
    write_rows_csv(out / 'comparison_groups.csv', group_rows)
    plot_differences(group_rows, out / 'comparison_seeds.png', suite.expand(suite.title))
    return out / 'comparison.md'


def validation_report(suite: Suite, methods: Sequence[str]) -> Path:
    """One table per ``table`` of the methods: final validation metrics, seed mean."""
    out = Path(suite.work_dir)
    scores = collect_scores(suite, methods)
    tables: Dict[str, List[str]] = {}
    rows = []
    for name in methods:
        tables.setdefault(suite.method(name).table or suite.expand(suite.title),
                          []).append(name)
    lines = []
    for title, names in tables.items():
        lines += [f'## {title}', '', '| row | seeds | mAP | head | medium | tail | var. |',
                  '|---|---:|---:|---:|---:|---:|---:|']
        for name in names:
            runs = scores[name]
            cells, row = [], dict(table=title, method=name, seeds=len(runs))
            for key, col in zip(METRIC_KEYS, COLUMNS[1:]):
                vals = [r[key] for r in runs if key in r]
                m = mean_std(vals)[0] if vals else float('nan')
                row[col] = round(m, 4)
                cells.append(f'{m:.2f}' if vals else 'n/a')
            lines.append(f'| {name} | {len(runs)} | ' + ' | '.join(cells) + ' |')
            rows.append(row)
        lines.append('')
    text = (f'# {suite.expand(suite.title)} (validation split, final epoch)\n\n'
            + '\n'.join(lines))
    (out / 'comparison.md').write_text(text)
    write_rows_csv(out / 'comparison.csv', rows)
    return out / 'comparison.md'


def fewshot_shots(suite: Suite) -> List[int]:
    """The K values of ``fewshot_args`` (``--shots``; tools/fewshot.py's default 1 5)."""
    args = [suite.expand(a) for a in suite.fewshot_args]
    if '--shots' not in args:
        return [1, 5]
    shots = []
    for a in args[args.index('--shots') + 1:]:
        if a.startswith('--'):
            break
        shots.append(int(a))
    return shots


def fewshot_report(suite: Suite, methods: Sequence[str]) -> Path:
    """``fewshot.md``: novel mAP mean +- std over episodes (and CF1 / OF1) per K."""
    out = Path(suite.work_dir)
    shots = fewshot_shots(suite)
    dirs = {m: tested_dirs(suite, suite.method(m))[0] for m in methods}
    compare([dirs[m] / f'{k}shot' for m in methods for k in shots], out,
            [f'{m} ({k}-shot)' for m in methods for k in shots], None,
            suite.expand(suite.title))
    lines = ['| method | ' + ' | '.join(f'{k}-shot mAP' for k in shots)
             + ' | ' + ' | '.join(f'{k}-shot CF1 / OF1' for k in shots) + ' | episodes |',
             '|---|' + '---:|' * (2 * len(shots) + 1)]
    for name in methods:
        recs = [json.loads((dirs[name] / f'{k}shot' / 'metrics.json').read_text())
                for k in shots]
        maps = [f"{r['fewshot/mAP']:.2f} ± {r['fewshot/mAP_std']:.2f}" for r in recs]
        f1s = [f"{r['fewshot/CF1']:.1f} / {r['fewshot/OF1']:.1f}" for r in recs]
        lines.append(f'| {name} | ' + ' | '.join(maps + f1s)
                     + f" | {len(recs[0]['episodes'])} |")
    (out / 'fewshot.md').write_text('\n'.join(lines) + '\n')
    return out / 'fewshot.md'


def write_report(suite: Suite, methods: Sequence[str]) -> Optional[Path]:
    """The suite's comparison of ``methods`` (those whose runs all finished)."""
    if not methods:
        return None
    if suite.protocol == 'fewshot':
        return fewshot_report(suite, methods)
    if suite.split == 'val':
        return validation_report(suite, methods)
    return long_tailed_report(suite, methods)
