"""Equal-budget hyper-parameter selection on a suite's validation split.

A selection suite (``configs/suites/offline_selection.py``, ``make select``) is a
``split='val'`` suite whose methods are the runs to tune, plus a ``selection`` field
holding the protocol's grid (:class:`SelectionGrid`)::

    selection = dict(
        metric='lt/mAP',                         # scored on the final validation
        lr_key='optim_wrapper.optimizer.lr',
        lrs=[1.25e-4, 5e-4, 2e-3, 8e-3],
        clip_rules={'max_norm=0.1': {'optim_wrapper.clip_grad.max_norm': 0.1},
                    'none': {'optim_wrapper.clip_grad': None}},
        method_knobs=dict(CoOp=[{...}, ...], ...),  # the prompt methods, knob settings
        clip_rule_methods=['CoOp', ...],          # who chooses the rule (default: all)
        knob_reference=dict(CoOp={...}, ...),     # knob values of the lr x rule trials
        image_methods=['ERM', 'DB-Focal'],
        image_lrs=[0.0125, 0.05, 0.2, 0.8], image_epochs=[8, 12],
        inputs_hint='run `make demo` first')

The protocol (:func:`run_selection`), scored by ``metric`` on validation, the mean over
the suite's seeds (the test split is never read):

1. **Shared grid** (:func:`shared_grid`): every prompt method (a key of
   ``method_knobs``) trains at each learning rate of ``lrs`` under each clipping rule,
   its knobs at ``knob_reference`` (given explicitly, so that writing a chosen knob
   value into the method's config does not move these trials: the protocol run again
   on the updated configs repeats its trials; a trial's folder is named by its lr and
   rule only).
2. **One clipping rule for all** (:func:`shared_clip_rule`): per rule, every method's
   best score over the learning rates, averaged over methods; the highest average
   wins (ties: the first rule). Each method keeps its best learning rate under that
   rule (:func:`best_lr`). The rule is chosen by ``clip_rule_methods`` (default: every
   prompt method), whose shared grids run (or are reused) whichever methods are being
   selected, so selecting one method alone gives it the same rule. A prompt method
   outside ``clip_rule_methods`` (one added after the rule was fixed) trains only at
   the learning rates under the rule: its choice is made among as many trials as the
   others' (``lrs`` under the rule, then the knobs), it just has no say in the rule.
3. **Method knobs**: the method's ``method_knobs`` settings at its learning rate and
   the shared rule.
4. **Choice** (:func:`final_choice`): the best of the method's shared-grid trials under
   the shared rule and its knob trials (ties keep the earlier trial).

The ``image_methods`` (trained on images, not prompt methods: never clipped) share
their own grid (:func:`image_grid`): ``image_lrs`` x ``image_epochs``, the best trial
chosen.

A trial whose training diverges (the divergence guard's ``FloatingPointError``:
non-finite loss, runaway parameters or scores) is logged, recorded as diverged and
never chosen; the selection goes on. Any other failure stops the selection, and so does
a method whose every trial diverged.

Every trial runs through :class:`~lmpt_mm.suite.runner.SuiteRunner` on a derived suite
(:func:`trial_suite`: the method alone, the trial's setting appended to the training
options of its last stage), so trials resume like suite runs: a finished trial whose
resolved config is unchanged is not run again. Trials of method ``M`` live in
``WORK_DIR/<m>/<setting>/``; the result is ``WORK_DIR/selection.{json,md}``.
"""
from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Dict, List, Mapping, Optional, Sequence, Tuple

from lmpt_mm.cli.compare import METRIC_KEYS
from lmpt_mm.cli.sweep import cfg_option, setting_name
from lmpt_mm.utils.hashing import config_run_record

from .plan import Launcher, slug
from .report import collect_scores
from .runner import SuiteRunner
from .spec import Suite, SuiteError, options_of, suite_from_dict

Setting = Dict[str, object]
_GRID_KEYS = {'metric', 'lr_key', 'lrs', 'clip_rules', 'method_knobs', 'clip_rule_methods',
              'knob_reference', 'image_methods', 'image_lrs', 'image_epochs', 'inputs_hint'}


class SelectionError(SuiteError):
    """A selection that cannot run: a bad ``selection`` field, missing inputs, a failed
    trial."""


def epoch_options(epochs: int) -> Setting:
    """A schedule of ``epochs`` epochs: the cosine decay ends with the run and the run
    validates at its end (``max_epochs``, ``val_interval``, ``T_max``)."""
    return {'train_cfg.max_epochs': epochs, 'train_cfg.val_interval': epochs,
            'param_scheduler.T_max': epochs}


@dataclass(frozen=True)
class SelectionGrid:
    """The ``selection`` field of a selection suite (see the module docstring)."""
    lrs: Tuple[float, ...]
    clip_rules: Mapping[str, Setting]
    method_knobs: Mapping[str, Tuple[Setting, ...]]
    clip_rule_methods: Tuple[str, ...] = ()  # () : every prompt method
    knob_reference: Mapping[str, Setting] = field(default_factory=dict)
    image_methods: Tuple[str, ...] = ()
    image_lrs: Tuple[float, ...] = ()
    image_epochs: Tuple[int, ...] = ()
    metric: str = 'lt/mAP'
    lr_key: str = 'optim_wrapper.optimizer.lr'
    inputs_hint: str = ''

    @property
    def prompt_methods(self) -> Tuple[str, ...]:
        return tuple(self.method_knobs)

    @property
    def rule_methods(self) -> Tuple[str, ...]:
        """The prompt methods whose shared grids choose the clipping rule."""
        return self.clip_rule_methods or self.prompt_methods


def grid_from_dict(raw: object, suite: Suite) -> SelectionGrid:
    """Check the ``selection`` field against the suite's methods."""
    where = f'{suite.path}: selection'
    if not isinstance(raw, Mapping):
        raise SelectionError(f'{where} must be dict(lrs=..., clip_rules=..., '
                             f'method_knobs=...), got {raw!r}')
    unknown = set(raw) - _GRID_KEYS
    if unknown:
        raise SelectionError(f'{where}: unknown field(s) {sorted(unknown)}; it has '
                             f'{sorted(_GRID_KEYS)}')
    knobs = {str(k): tuple(dict(s) for s in v)
             for k, v in (raw.get('method_knobs') or {}).items()}
    grid = SelectionGrid(
        lrs=tuple(float(v) for v in raw.get('lrs') or ()),
        clip_rules={str(k): dict(v) for k, v in (raw.get('clip_rules') or {}).items()},
        method_knobs=knobs,
        clip_rule_methods=tuple(str(m) for m in raw.get('clip_rule_methods') or ()),
        knob_reference={str(k): dict(v) for k, v in (raw.get('knob_reference') or {}).items()},
        image_methods=tuple(str(m) for m in raw.get('image_methods') or ()),
        image_lrs=tuple(float(v) for v in raw.get('image_lrs') or ()),
        image_epochs=tuple(int(v) for v in raw.get('image_epochs') or ()),
        metric=str(raw.get('metric', 'lt/mAP')),
        lr_key=str(raw.get('lr_key', 'optim_wrapper.optimizer.lr')),
        inputs_hint=str(raw.get('inputs_hint', '')))
    if grid.metric not in METRIC_KEYS:
        raise SelectionError(f'{where}.metric must be one of {METRIC_KEYS}, got '
                             f'{grid.metric!r}')
    if grid.prompt_methods and not (grid.lrs and grid.clip_rules):
        raise SelectionError(f'{where}: the prompt methods need lrs and clip_rules')
    if grid.image_methods and not (grid.image_lrs and grid.image_epochs):
        raise SelectionError(f'{where}: image_methods need image_lrs and image_epochs')
    unknown = [m for m in grid.knob_reference if m not in grid.prompt_methods]
    if unknown:
        raise SelectionError(f'{where}.knob_reference names {unknown}, not prompt methods '
                             f'(keys of method_knobs)')
    for name, ref in grid.knob_reference.items():
        knob_keys = {k for knob in grid.method_knobs[name] for k in knob}
        if set(ref) != knob_keys:
            raise SelectionError(f'{where}.knob_reference[{name!r}] must give every key its '
                                 f'knobs set, {sorted(knob_keys)}; got {sorted(ref)}')
    outside = [m for m in grid.clip_rule_methods if m not in grid.prompt_methods]
    if outside:
        raise SelectionError(f'{where}.clip_rule_methods must be prompt methods (keys of '
                             f'method_knobs), got {outside}')
    both = set(grid.prompt_methods) & set(grid.image_methods)
    if both:
        raise SelectionError(f'{where}: {sorted(both)} are in method_knobs and '
                             'image_methods; a method follows one protocol')
    names = [m.name for m in suite.methods]
    listed = list(grid.prompt_methods) + list(grid.image_methods)
    if sorted(listed) != sorted(names):
        raise SelectionError(
            f'{where}: method_knobs and image_methods must name every method of the '
            f'suite once: the suite has {names}, the selection {listed}')
    untrained = [m.name for m in suite.methods if not m.trained]
    if untrained:
        raise SelectionError(f'{suite.path}: selection trains every method; '
                             f'{untrained} do not train')
    if suite.split != 'val':
        raise SelectionError(f"{suite.path}: a selection suite has split='val' (it must "
                             f"not choose on the test split), got {suite.split!r}")
    return grid


def load_selection(path: str, cfg_options: Optional[dict] = None
                   ) -> Tuple[Suite, SelectionGrid]:
    """Read a selection suite config: the suite and its ``selection`` grid."""
    from mmengine.config import Config

    if not Path(path).is_file():
        raise SelectionError(f'selection suite config {path} not found')
    cfg = Config.fromfile(path)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    raw = cfg.to_dict()
    if 'selection' not in raw:
        raise SelectionError(f'{path}: a selection suite needs selection=dict(...)')
    suite = suite_from_dict(raw, path)
    return suite, grid_from_dict(raw['selection'], suite)


# -- the grid -----------------------------------------------------------------------
@dataclass(frozen=True)
class Result:
    """One trial: its setting and its validation score."""
    setting: Mapping[str, object]
    score: float  # -inf: the training diverged

    @property
    def diverged(self) -> bool:
        return self.score == -math.inf


def shared_grid(grid: SelectionGrid) -> List[Tuple[str, Setting]]:
    """``(clip rule, setting)`` of the shared-grid trials, rule-major."""
    return [(rule, {grid.lr_key: lr, **opts}) for rule, opts in grid.clip_rules.items()
            for lr in grid.lrs]


def image_grid(grid: SelectionGrid) -> List[Setting]:
    """The settings of each image-trained method, schedule-major."""
    return [{grid.lr_key: lr, **epoch_options(n)} for n in grid.image_epochs
            for lr in grid.image_lrs]


def knob_settings(grid: SelectionGrid, method: str, lr: float, rule: str) -> List[Setting]:
    """The method's knob trials at its learning rate under the shared clipping rule."""
    return [{grid.lr_key: lr, **grid.clip_rules[rule], **k}
            for k in grid.method_knobs[method]]


def best_lr(trials: Sequence[Tuple[str, Result]], rule: str) -> Result:
    """The best shared-grid trial of one method under ``rule`` (first of ties)."""
    under = [r for k, r in trials if k == rule]
    if not under:
        raise ValueError(f'no trial under the clipping rule {rule!r}')
    return max(under, key=lambda r: r.score)


def shared_clip_rule(grids: Mapping[str, Sequence[Tuple[str, Result]]]
                     ) -> Tuple[str, Dict[str, float]]:
    """The clipping rule with the highest mean (over methods) of best-lr score.

    Returns the rule and the mean per rule. Ties keep the rule met first in the
    methods' trials (the first of ``clip_rules``).
    """
    if not grids:
        raise ValueError('no method to choose a clipping rule for')
    rules = list(dict.fromkeys(k for trials in grids.values() for k, _ in trials))
    means = {rule: sum(best_lr(t, rule).score for t in grids.values()) / len(grids)
             for rule in rules}
    return max(rules, key=lambda r: means[r]), means


def final_choice(trials: Sequence[Tuple[str, Result]], rule: str,
                 knobs: Sequence[Result]) -> Result:
    """Best of the shared-grid trials under ``rule`` and the knob trials."""
    candidates = [r for k, r in trials if k == rule] + list(knobs)
    return max(candidates, key=lambda r: r.score)


# -- trials ---------------------------------------------------------------------------
def trial_suite(suite: Suite, method: str, setting: Setting,
                name: Optional[Setting] = None) -> Suite:
    """The suite of one trial: ``method`` alone, named by ``name`` (default: the
    setting), the setting's options last among the training options of its last
    stage, in ``WORK_DIR/<method>/``. The suite's variables keep their values
    (``{work_dir}`` still names the selection's work dir)."""
    base = suite.method(method)
    last = base.stages[-1]
    options = tuple(cfg_option(k, v) for k, v in setting.items())
    stage = replace(last, train_options=last.train_options + options)
    trial = replace(base, name=setting_name(setting if name is None else name),
                    stages=base.stages[:-1] + (stage, ))
    return replace(suite, work_dir=str(Path(suite.work_dir) / slug(method)),
                   variables=suite.resolved_variables(), methods=(trial, ),
                   baselines=(), prepare=())


def _is_path(value: object) -> bool:
    return (isinstance(value, str) and bool(value) and '://' not in value
            and '::' not in value and ('/' in value or os.sep in value))


def _pretrained_paths(node: object) -> List[str]:
    found: List[str] = []
    if isinstance(node, Mapping):
        for key, value in node.items():
            if key == 'pretrained' and _is_path(value):
                found.append(value)
            else:
                found += _pretrained_paths(value)
    elif isinstance(node, (list, tuple)):
        for value in node:
            found += _pretrained_paths(value)
    return found


def method_inputs(suite: Suite, method: str) -> List[str]:
    """The files a method's training runs read and no earlier stage writes: each
    stage's data lists (``data_root`` / ``ann_file`` of its loaders), its weights
    (``pretrained`` paths) and its ``load_from`` (unless it starts from the previous
    stage), with the suite's options merged."""
    paths: List[str] = []
    for stage in suite.method(method).stages:
        options = [suite.expand(o) for o in options_of(suite, stage, 'train')]
        cfg = config_run_record(stage.config, options)['config']
        for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
            dataset = (cfg.get(loader) or {}).get('dataset') or {}
            ann = dataset.get('ann_file')
            if isinstance(ann, str) and ann:
                root = dataset.get('data_root') or ''
                paths.append(ann if os.path.isabs(ann) else os.path.join(root, ann))
        paths += _pretrained_paths(cfg.get('model'))
        if not stage.init_from_previous and _is_path(cfg.get('load_from')):
            paths.append(cfg['load_from'])
    return list(dict.fromkeys(paths))


def check_inputs(suite: Suite, grid: SelectionGrid, methods: Sequence[str]) -> None:
    """Fail before the first trial when files the chosen methods read are missing,
    naming them (and ``grid.inputs_hint``, where they come from)."""
    missing = [p for m in methods for p in method_inputs(suite, m) if not Path(p).is_file()]
    if missing:
        hint = f' ({grid.inputs_hint})' if grid.inputs_hint else ''
        raise SelectionError(f'{suite.path}: the selection of {list(methods)} needs '
                             f'files that are missing: {", ".join(dict.fromkeys(missing))}'
                             f'{hint}')


TrialRunner = Callable[[Suite], Dict[str, float]]


# How the traceback of a run stopped by the divergence guard (NonFiniteLossHook) ends.
DIVERGENCE = 'FloatingPointError: '
# The metrics key of a diverged trial (run_trial).
DIVERGED = 'diverged'


def _diverged(log: Path) -> bool:
    """The step's log ends in the divergence guard's error."""
    try:
        tail = log.read_text(errors='replace').splitlines()[-60:]
    except OSError:
        return False
    return any(line.startswith(DIVERGENCE) for line in tail)


def run_trial(trial: Suite, launcher: Launcher = Launcher(),
              print_fn: Callable[[str], None] = print) -> Dict[str, float]:
    """Run one trial suite (resumable); its ``lt/*`` validation metrics, the mean over
    the suite's seeds."""
    outcome = SuiteRunner(trial, launcher, print_fn=print_fn).run()
    name = trial.methods[0].name
    if outcome.failed and all(_diverged(o.step.log) for o in outcome.failed):
        print_fn(f'[select] trial {trial.work_dir}/{slug(name)} diverged (its log: '
                 f'{outcome.failed[0].step.log}); recorded as diverged, never chosen')
        return {DIVERGED: 1.0}
    if outcome.failed:
        errors = '; '.join(f'{o.step.label}: {o.error}' for o in outcome.failed)
        raise SelectionError(f'trial {trial.work_dir}/{slug(name)} failed: {errors}')
    runs = collect_scores(trial, [name])[name]
    return {k: sum(r[k] for r in runs) / len(runs) for k in runs[0]}


def _run_settings(suite: Suite, method: str, settings: Sequence[Setting],
                  metric: str, run: TrialRunner,
                  reference: Optional[Setting] = None) -> List[Result]:
    """One trial per setting; ``reference`` values (knob_reference) complete each
    setting where it does not set the key itself, without entering the trial's name."""
    names = list(settings)
    settings = [dict(s, **{k: v for k, v in (reference or {}).items() if k not in s})
                for s in settings]
    trials = [trial_suite(suite, method, s, n) for s, n in zip(settings, names)]
    # Two settings in one folder would replace each other's runs at every resume.
    held: Dict[str, set] = {}
    for s, t in zip(settings, trials):
        held.setdefault(slug(t.methods[0].name), set()).add(
            json.dumps(s, sort_keys=True, default=str))
    clash = sorted(d for d, kinds in held.items() if len(kinds) > 1)
    if clash:
        raise SelectionError(f'{method}: different settings share the trial folder(s) '
                             f'{clash}; change the grid values')
    results = []
    for setting, trial in zip(settings, trials):
        metrics = run(trial)
        results.append(Result(setting, -math.inf if metrics.get(DIVERGED) else
                              metrics[metric]))
    return results


def _record(result: Result) -> dict:
    """A trial for selection.json: a diverged one has no score."""
    if result.diverged:
        return dict(setting=result.setting, score=None, diverged=True)
    return dict(setting=result.setting, score=result.score)


def _chosen(name: str, best: Result) -> dict:
    if best.diverged:
        raise SelectionError(f'{name}: every trial diverged; lower the learning rates of '
                             'the grid')
    return dict(setting=best.setting, score=best.score)


def _merge_earlier(path: Path, summary: dict) -> None:
    """Keep in ``summary`` the choices an earlier selection in the same work dir made
    for methods this one did not select, so that selecting some methods does not drop
    the others': image methods always, prompt methods if chosen under the same clipping
    rule (a selection of image methods alone carries the earlier rule over)."""
    try:
        earlier = json.loads(path.read_text())
        methods = dict(earlier['methods'])
    except (OSError, ValueError, KeyError, TypeError):
        return
    rule = earlier.get('clip_rule')
    if summary['clip_rule'] is None and rule is not None:
        summary.update(clip_rule=rule, clip_rule_means=earlier.get('clip_rule_means', {}),
                       clip_rule_methods=earlier.get('clip_rule_methods', []))
    kept = {name: m for name, m in methods.items() if name not in summary['methods'] and (
        'image_grid' in m or rule is not None and rule == summary['clip_rule'])}
    summary['methods'] = dict(kept, **summary['methods'])


def run_selection(suite: Suite, grid: SelectionGrid,
                  methods: Optional[Sequence[str]] = None,
                  run: Optional[TrialRunner] = None) -> dict:
    """Run the protocol for ``methods`` (default: all); write ``selection.json`` and
    ``selection.md`` into the suite's work dir and return the summary.

    ``run``: trial suite -> its metrics (default :func:`run_trial`, the suite runner).
    """
    names = [m.name for m in suite.methods]
    methods = list(names if methods is None else methods)
    unknown = [m for m in methods if m not in names]
    if unknown:
        raise SelectionError(f'unknown methods {unknown}; the selection has {names}')
    prompt = [m for m in grid.prompt_methods if m in methods]
    images = [m for m in grid.image_methods if m in methods]
    voters = list(grid.rule_methods) if prompt else []
    check_inputs(suite, grid, list(dict.fromkeys(methods + voters)))
    run = run or run_trial
    rules = shared_grid(grid)
    grids = {}
    for name in voters:
        results = _run_settings(suite, name, [s for _, s in rules], grid.metric, run,
                                grid.knob_reference.get(name))
        grids[name] = [(rule, r) for (rule, _), r in zip(rules, results)]
    rule, rule_means = shared_clip_rule(grids) if grids else (None, {})
    for name in prompt:
        if name not in grids:  # no say in the rule: its lrs under the rule only
            under = [(k, s) for k, s in rules if k == rule]
            results = _run_settings(suite, name, [s for _, s in under], grid.metric, run,
                                    grid.knob_reference.get(name))
            grids[name] = [(k, r) for (k, _), r in zip(under, results)]
    summary = dict(title=suite.expand(suite.title), metric=grid.metric,
                   split=suite.split, seeds=list(suite.seeds),
                   lrs=list(grid.lrs), clip_rule=rule, clip_rule_means=rule_means,
                   clip_rule_methods=voters, methods={})
    for name in prompt:
        lr = best_lr(grids[name], rule).setting[grid.lr_key]
        knobs = _run_settings(suite, name, knob_settings(grid, name, lr, rule),
                              grid.metric, run,
                              grid.knob_reference.get(name))
        best = final_choice(grids[name], rule, knobs)
        summary['methods'][name] = dict(
            config=suite.method(name).stages[-1].config,
            shared_grid=[dict(rule=k, **_record(r)) for k, r in grids[name]],
            knobs=[_record(r) for r in knobs],
            choice=_chosen(name, best))
    for name in images:
        results = _run_settings(suite, name, image_grid(grid), grid.metric, run)
        best = max(results, key=lambda r: r.score)  # ties: the first trial
        summary['methods'][name] = dict(
            config=suite.method(name).stages[-1].config,
            image_grid=[_record(r) for r in results],
            choice=_chosen(name, best))
    out = Path(suite.work_dir)
    out.mkdir(parents=True, exist_ok=True)
    _merge_earlier(out / 'selection.json', summary)
    (out / 'selection.json').write_text(json.dumps(summary, indent=1, default=str) + '\n')
    (out / 'selection.md').write_text(selection_markdown(summary))
    return summary


def selection_markdown(summary: dict) -> str:
    """The selection as Markdown: the rule, then each method's trials and choice."""
    seeds = summary['seeds']
    which = (f'seed {seeds[0]}' if len(seeds) == 1 else
             f'mean over seeds {", ".join(map(str, seeds))}')
    lines = [f'# {summary.get("title") or "Hyper-parameter selection"} '
             f'({summary["split"]} {summary["metric"]}, {which})']
    if summary['clip_rule_means']:
        voters = summary.get('clip_rule_methods') or []
        lines += ['', 'Shared clipping rule of the prompt methods: mean over '
                  f'{", ".join(voters) if voters else "them"} of the best-lr score per '
                  'rule:', '']
    for rule, mean in summary['clip_rule_means'].items():
        mark = ' (chosen)' if rule == summary['clip_rule'] else ''
        lines.append(f'- `{rule}`: {mean:.2f}{mark}')
    for name, m in summary['methods'].items():
        lines += ['', f'## {name} (`{m["config"]}`)', '',
                  f'| trial | {summary["split"]} {summary["metric"]} |', '|---|---:|']
        for t in m.get('shared_grid', []) + m.get('knobs', []) + m.get('image_grid', []):
            score = 'diverged' if t.get('diverged') else f'{t["score"]:.2f}'
            lines.append(f'| {setting_name(t["setting"])} | {score} |')
        c = m['choice']
        lines += ['', f'Choice: `{setting_name(c["setting"])}` ({summary["split"]} '
                  f'{summary["metric"]} {c["score"]:.2f})']
    return '\n'.join(lines) + '\n'
