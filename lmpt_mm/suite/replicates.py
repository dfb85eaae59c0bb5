"""The comparison over an outer random factor (replicates, e.g. pretrained CLIPs).

A method ``a`` and a baseline ``b`` trained with seeds ``s`` on replicate ``c`` (one
small CLIP) give paired differences ``d_{c,s} = a_{c,s} - b_{c,s}`` (a baseline
without training is one deterministic score per replicate). The differences are first
averaged within a replicate, ``dbar_c = mean_s d_{c,s}``, then

    mean_c dbar_c +- t_{0.975, C-1} * sd_c(dbar_c) / sqrt(C)     (Student's t over replicates)

is the 95% interval of the difference over replicates: it covers the variation between
CLIPs (and, through the averages, the seeds within each). Both levels are reported:
``between`` = ``sd_c(dbar_c)`` and ``within`` = the root mean square over replicates of
the seed-to-seed sd of ``d_{c,s}``.

Where a new replicate will land (a CLIP pretrained on another machine, or a
held-out pretraining seed standing in for one) is given by the 95% prediction interval
``mean_c dbar_c +- t_{0.975, C-1} * sd_c(dbar_c) * sqrt(1 + 1/C)``; the suite's
``held_out`` replicates are run and checked against it.

A claim "method beats baseline" is **reproduced** when the interval over replicates
lies above 0, **contradicted** when it lies below, **depends on the replicate** when
the per-replicate means have both signs, and **not established** otherwise.
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Dict, List, Mapping

from lmpt_mm.evaluation.seed_stats import (Interval, mean_std, t_interval,
                                          t_prediction_interval)
from lmpt_mm.utils.csv_rows import write_rows_csv

from .report import GROUPS, Scores, baseline_pairs
from .spec import Suite

GROUP_KEY = {label: key for key, label in GROUPS}


def replicate_differences(scores: Mapping[str, Scores], method: str, baseline: str,
                          key: str = 'lt/mAP') -> dict:
    """Per replicate the seed-mean paired difference, and the interval over replicates.

    Args:
        scores: replicate -> method -> one metrics dict per seed.
    Returns:
        ``dict(per_replicate={rep: mean}, interval=Interval, prediction=Interval (for
        one new replicate), between=sd of the means, within=RMS of the
        within-replicate sds)``.
    """
    means, sds = {}, []
    for rep, by_method in scores.items():
        a = [r[key] for r in by_method[method]]
        b = [r[key] for r in by_method[baseline]]
        if len(b) == 1:
            b = b * len(a)
        if len(a) == 1:
            a = a * len(b)
        if len(a) != len(b):
            raise ValueError(f'{rep}: {method} has {len(a)} seeds, {baseline} {len(b)}')
        m, sd = mean_std([x - y for x, y in zip(a, b)])
        means[rep] = m
        sds.append(sd)
    values = list(means.values())
    interval = t_interval(values)
    between = mean_std(values)[1]
    within = math.sqrt(sum(sd * sd for sd in sds) / len(sds))
    return dict(per_replicate=means, interval=interval,
                prediction=t_prediction_interval(values), between=between, within=within)


def held_out_difference(scores: Mapping[str, Scores], rep: str, method: str,
                        baseline: str, key: str = 'lt/mAP') -> float:
    """The seed-mean paired difference on the one replicate ``rep``."""
    return replicate_differences({rep: scores[rep]}, method, baseline, key)[
        'per_replicate'][rep]


def inside(value: float, interval: Interval) -> bool:
    return interval.defined and abs(value - interval.mean) <= interval.half_width


def verdict(diff: dict) -> str:
    """The claim "method beats baseline" judged from :func:`replicate_differences`."""
    ci: Interval = diff['interval']
    signs = {math.copysign(1.0, v) for v in diff['per_replicate'].values() if v != 0}
    if ci.defined and ci.mean - ci.half_width > 0:
        return 'reproduced'
    if ci.defined and ci.mean + ci.half_width < 0:
        return 'contradicted'
    if len(signs) > 1:
        return 'depends on the replicate'
    if not ci.defined:
        return 'one replicate: no interval'
    return 'not established'


def replicate_report(suite: Suite, scores: Mapping[str, Scores]) -> Path:
    """``comparison_replicates.{md,csv}`` in the suite's work dir: every method's mean
    per replicate, its paired differences to each baseline per group over replicates,
    the claims' verdicts and, for the suite's held-out replicates, whether each of
    their differences lies inside the 95% prediction interval of the others."""
    out = Path(suite.work_dir)
    out.mkdir(parents=True, exist_ok=True)
    held = [r.name for r in suite.held_out if r.name in scores]
    reps = [r for r in scores if r not in held]
    fit = {r: scores[r] for r in reps}
    methods = [m.name for m in suite.methods
               if all(m.name in scores[r] for r in scores)]
    lines = [f'# {suite.expand(suite.title)}: over {len(reps)} replicates '
             f'({", ".join(reps)})' + (f', held out: {", ".join(held)}' if held else ''),
             '', 'Test mAP, mean over training seeds within each replicate; '
             'last column: mean +- sd over the replicates'
             + (' (held-out replicates not included).' if held else '.'), '',
             '| method | ' + ' | '.join(reps + [f'{h} (held out)' for h in held])
             + ' | over replicates |',
             '|---|' + '---:|' * (len(reps) + len(held) + 1)]
    for name in methods:
        per = {rep: mean_std([r['lt/mAP'] for r in scores[rep][name]])[0]
               for rep in reps + held}
        m, sd = mean_std([per[r] for r in reps])
        lines.append(f'| {name} | ' + ' | '.join(f'{per[r]:.2f}' for r in reps + held)
                     + f' | {m:.2f} +- {sd:.2f} |')
    held_cols = ''.join(f' {h} (held out) |' for h in held)
    lines += ['', '## Paired differences over replicates', '',
              'Method - baseline, averaged over the seeds within a replicate, then a 95% '
              'Student-t interval over replicates (CI: where the mean difference lies) '
              'and a 95% prediction interval (PI: where one new replicate is expected); '
              'between = sd of the replicate means, within = RMS of the seed-to-seed sds '
              'inside the replicates.' + (' A held-out difference outside its PI is '
                                          'marked `OUT`.' if held else ''), '',
              '| method | baseline | group | ' + ' | '.join(reps)
              + ' | over replicates (95% CI) | new replicate (95% PI) | between | within |'
              + held_cols,
              '|---|---|---|' + '---:|' * (len(reps) + 4 + len(held))]
    rows: List[dict] = []
    checked, outside = 0, []
    baselines = [b for b in suite.baselines if b.name in methods]
    for base, name in baseline_pairs(baselines, methods):
        for key, group in GROUPS:
            d = replicate_differences(fit, name, base.name, key)
            ci, pi = d['interval'], d['prediction']
            held_diff = {h: held_out_difference(scores, h, name, base.name, key)
                         for h in held}
            marks = {h: '' if inside(v, pi) else ' OUT' for h, v in held_diff.items()}
            checked += len(held) if pi.defined else 0
            outside += [f'{h}: {name} - {base.name} ({group}) {v:+.2f}, PI {pi.fmt()}'
                        for h, v in held_diff.items() if pi.defined and marks[h]]
            lines.append(
                f'| {name} | {base.name} | {group} | '
                + ' | '.join(f'{d["per_replicate"][r]:+.2f}' for r in reps)
                + f' | {ci.fmt()} | {pi.fmt()} | {d["between"]:.2f} | {d["within"]:.2f} |'
                + ''.join(f' {held_diff[h]:+.2f}{marks[h]} |' for h in held))
            rows.append(dict(method=name, baseline=base.name, group=group,
                             **{f'mean_{r}': round(d['per_replicate'][r], 4)
                                for r in reps},
                             diff=round(ci.mean, 4),
                             ci95=round(ci.half_width, 4) if ci.defined else '',
                             pi95=round(pi.half_width, 4) if pi.defined else '',
                             between=round(d['between'], 4),
                             within=round(d['within'], 4),
                             **{f'held_out_{h}': round(v, 4)
                                for h, v in held_diff.items()}))
    if held:
        lines += ['', f'Held out: {checked - len(outside)} of {checked} differences '
                  '(pairs x groups x held-out replicates) inside their 95% prediction '
                  'interval' + (':' if outside else '.')]
        lines += [f'- outside: {o}' for o in outside]
    if suite.claims:
        lines += ['', '## Claims', '', '| claim | method - baseline (group) | '
                  'over replicates (95% CI) | verdict | new replicate (95% PI) |'
                  + held_cols, '|---|---|---:|---|---:|' + '---:|' * len(held)]
        for claim in suite.claims:
            if claim.method not in methods or claim.baseline not in methods:
                lines.append(f'| {claim.text} | {claim.method} - {claim.baseline} | '
                             'n/a | not run | n/a |' + ' n/a |' * len(held))
                continue
            key = GROUP_KEY[claim.group]
            d = replicate_differences(fit, claim.method, claim.baseline, key)
            cells = []
            for h in held:
                v = held_out_difference(scores, h, claim.method, claim.baseline, key)
                cells.append(f' {v:+.2f}{"" if inside(v, d["prediction"]) else " OUT"} |')
            lines.append(f'| {claim.text} | {claim.method} - {claim.baseline} '
                         f'({claim.group}) | {d["interval"].fmt()} | {verdict(d)} | '
                         f'{d["prediction"].fmt()} |' + ''.join(cells))
    if suite.claims and held:
        lines += _pooled_claims(suite, scores, methods)
    (out / 'comparison_replicates.md').write_text('\n'.join(lines) + '\n')
    if rows:
        write_rows_csv(out / 'comparison_replicates.csv', rows)
    return out / 'comparison_replicates.md'


def _pooled_claims(suite: Suite, scores: Mapping[str, Scores],
                   methods: List[str]) -> List[str]:
    """The claims judged over every replicate, the held-out ones included (once they
    have been checked, they are evidence like the others)."""
    reps = list(scores)
    lines = ['', f'## Claims over all {len(reps)} replicates (held-out included)', '',
             '| claim | ' + ' | '.join(reps) + ' | over replicates (95% CI) | verdict |',
             '|---|' + '---:|' * (len(reps) + 1) + '---|']
    for claim in suite.claims:
        if claim.method in methods and claim.baseline in methods:
            d = replicate_differences(scores, claim.method, claim.baseline,
                                      GROUP_KEY[claim.group])
            lines.append(f'| {claim.text} | ' + ' | '.join(
                f'{d["per_replicate"][r]:+.2f}' for r in reps)
                + f' | {d["interval"].fmt()} | {verdict(d)} |')
    return lines


def collect_replicate_scores(suite: Suite, finished: Dict[str, List[str]]) -> Dict[str, Scores]:
    """replicate -> method -> per-seed metrics, for the methods every replicate finished."""
    from .report import collect_scores

    common = [m.name for m in suite.methods
              if all(m.name in names for names in finished.values())]
    return {rep.name: collect_scores(suite.replicate(rep), common)
            for rep in suite.replicates + suite.held_out}
