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

A claim "method beats baseline" is **reproduced** when the interval over replicates
lies above 0, **contradicted** when it lies below, **depends on the replicate** when
the per-replicate means have both signs, and **not established** otherwise.
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Dict, List, Mapping

from lmpt_mm.evaluation.seed_stats import Interval, mean_std, t_interval
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
        ``dict(per_replicate={rep: mean}, interval=Interval, between=sd of the means,
        within=RMS of the within-replicate sds)``.
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
    return dict(per_replicate=means, interval=interval, between=between, within=within)


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
    and the claims' verdicts."""
    out = Path(suite.work_dir)
    out.mkdir(parents=True, exist_ok=True)
    reps = list(scores)
    methods = [m.name for m in suite.methods
               if all(m.name in scores[r] for r in reps)]
    lines = [f'# {suite.expand(suite.title)}: over {len(reps)} replicates '
             f'({", ".join(reps)})', '',
             'Test mAP, mean over training seeds within each replicate; last column: '
             'mean +- sd over replicates.', '',
             '| method | ' + ' | '.join(reps) + ' | over replicates |',
             '|---|' + '---:|' * (len(reps) + 1)]
    for name in methods:
        per = [mean_std([r['lt/mAP'] for r in scores[rep][name]])[0] for rep in reps]
        m, sd = mean_std(per)
        lines.append(f'| {name} | ' + ' | '.join(f'{v:.2f}' for v in per)
                     + f' | {m:.2f} +- {sd:.2f} |')
    lines += ['', '## Paired differences over replicates', '',
              'Method - baseline, averaged over the seeds within a replicate, then a 95% '
              'Student-t interval over replicates; between = sd of the replicate means, '
              'within = RMS of the seed-to-seed sds inside the replicates.', '',
              '| method | baseline | group | ' + ' | '.join(reps)
              + ' | over replicates (95% CI) | between | within |',
              '|---|---|---|' + '---:|' * (len(reps) + 3)]
    rows: List[dict] = []
    baselines = [b for b in suite.baselines if b.name in methods]
    for base, name in baseline_pairs(baselines, methods):
        for key, group in GROUPS:
            d = replicate_differences(scores, name, base.name, key)
            ci = d['interval']
            lines.append(
                f'| {name} | {base.name} | {group} | '
                + ' | '.join(f'{d["per_replicate"][r]:+.2f}' for r in reps)
                + f' | {ci.fmt()} | {d["between"]:.2f} | {d["within"]:.2f} |')
            rows.append(dict(method=name, baseline=base.name, group=group,
                             **{f'mean_{r}': round(d['per_replicate'][r], 4)
                                for r in reps},
                             diff=round(ci.mean, 4),
                             ci95=round(ci.half_width, 4) if ci.defined else '',
                             between=round(d['between'], 4),
                             within=round(d['within'], 4)))
    if suite.claims:
        lines += ['', '## Claims', '', '| claim | method - baseline (group) | '
                  'over replicates (95% CI) | verdict |', '|---|---|---:|---|']
        for claim in suite.claims:
            if claim.method not in methods or claim.baseline not in methods:
                lines.append(f'| {claim.text} | {claim.method} - {claim.baseline} | '
                             'n/a | not run |')
                continue
            d = replicate_differences(scores, claim.method, claim.baseline,
                                      GROUP_KEY[claim.group])
            lines.append(f'| {claim.text} | {claim.method} - {claim.baseline} '
                         f'({claim.group}) | {d["interval"].fmt()} | {verdict(d)} |')
    (out / 'comparison_replicates.md').write_text('\n'.join(lines) + '\n')
    if rows:
        write_rows_csv(out / 'comparison_replicates.csv', rows)
    return out / 'comparison_replicates.md'


def collect_replicate_scores(suite: Suite, finished: Dict[str, List[str]]) -> Dict[str, Scores]:
    """replicate -> method -> per-seed metrics, for the methods every replicate finished."""
    from .report import collect_scores

    common = [m.name for m in suite.methods
              if all(m.name in names for names in finished.values())]
    return {rep.name: collect_scores(suite.replicate(rep), common)
            for rep in suite.replicates}
