"""Equal-budget hyper-parameter selection of the offline prompt methods on validation.

``tools/select_offline.py`` (``make select``) runs the same protocol for every
prompt-tuning method of the offline demo, scored by the final-epoch mAP on the
validation split (``lt_val.txt``; the test split is never read):

1. **Shared grid** (12 trials per method): learning rate in :data:`LRS` x gradient
   clipping in :data:`CLIP_RULES` (a global gradient-norm clip at 0.1 or 1.0, or none).
2. **One clipping rule for all**: for each rule, every method's best val mAP over the
   learning rates, averaged over methods; the highest average wins
   (:func:`shared_clip_rule`). Each method then keeps its best learning rate under that
   rule (:func:`best_lr`).
3. **Method knobs** (4 trials per method, :data:`METHOD_KNOBS`), at the method's
   learning rate and the shared rule: LMPT's CSE weight, HP-DVAL's ``alpha`` and
   ``local_topk``, DualCoOp's spatial-softmax scale and ASL ``gamma_neg``, CoOp's
   schedule length and weight decay (it has no method weight: the same number of
   trials goes to its schedule).
4. The method's choice is its best trial among the shared-grid trials under the shared
   rule and its knob trials (:func:`final_choice`; ties keep the earlier trial).

So every prompt method gets 16 trials, one seed (0) each.

The image-trained baselines (ERM and DB-Focal: a ResNet-18 trained from scratch on the
world's images, a minute or two per trial here against seconds for a prompt method on
cached features) get their own grid, the same for both: learning rate in
:data:`IMAGE_LRS` x schedule length in :data:`IMAGE_EPOCHS` (8 trials each, no
clipping: they are not prompt methods and never clipped), the best trial chosen.

Runs go through
:func:`lmpt_mm.cli.sweep.run_settings` (``tools/train.py`` in a subprocess), on the
demo's world, small CLIP, feature cache and HP-DVAL stage-1 checkpoint: run
``make demo`` first. Results: ``OUT/selection.md`` and ``OUT/selection.json``.
"""
from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

from lmpt_mm.cli.demo import DemoError, DemoSettings, _overrides, _uses_feature_cache
from lmpt_mm.cli.sweep import Trial, run_settings, setting_name

METRIC = 'lt/mAP'
LRS = (1.25e-4, 5e-4, 2e-3, 8e-3)
# A clipping rule is the options that set it; None = no clipping.
CLIP_RULES: Dict[str, Dict[str, object]] = {
    'max_norm=0.1': {'optim_wrapper.clip_grad.max_norm': 0.1},
    'max_norm=1.0': {'optim_wrapper.clip_grad.max_norm': 1.0},
    'none': {'optim_wrapper.clip_grad': None},
}
LR_KEY = 'optim_wrapper.optimizer.lr'


def _epochs(n: int) -> Dict[str, object]:
    return {'train_cfg.max_epochs': n, 'train_cfg.val_interval': n,
            'param_scheduler.T_max': n}


# Config stem under configs/offline and the method's 4 knob settings.
METHODS: Dict[str, str] = {
    'CoOp': 'coop_synth-vit_synth-lt',
    'LMPT': 'lmpt_synth-vit_synth-lt',
    'DualCoOp': 'dualcoop_synth-vit_synth-lt',
    'HP-DVAL': 'hpdval-stage2_synth-vit_synth-lt',
}
METHOD_KNOBS: Dict[str, List[Dict[str, object]]] = {
    'CoOp': [dict(_epochs(n), **{'optim_wrapper.optimizer.weight_decay': wd})
             for n in (10, 40) for wd in (0.0, 5e-4)],
    'LMPT': [{'model.head.cse_loss.loss_weight': w} for w in (3, 10, 30, 100)],
    'DualCoOp': [{'model.head.spatial_scale': s, 'model.head.loss.gamma_neg': g}
                 for s in (0.1, 10.0) for g in (1.0, 4.0)],
    'HP-DVAL': [{'model.head.alpha': a, 'model.head.local_topk': k}
                for a, k in ((1.0, 32), (0.8, 8), (0.8, 32), (0.6, 8))],
}


# Image-trained baselines: config stem, and the grid both share. The lrs step by 4
# around the configs' former SGD lr 0.05 (batch 32); 0.8 was added after 0.2 won
# both methods' first 6 trials (at the edge of that grid). 8 epochs is the DB-loss
# paper's schedule length, 12 the longest that keeps `make demo` (3 seeds of each)
# under 20 minutes on 2 cores.
IMAGE_METHODS: Dict[str, str] = {
    'ERM': 'resnet18_erm_synth-lt',
    'DB-Focal': 'resnet18_db-focal_synth-lt',
}
IMAGE_LRS = (0.0125, 0.05, 0.2, 0.8)
IMAGE_EPOCHS = (8, 12)


def image_grid() -> List[Dict[str, object]]:
    """The 8 settings of each image-trained baseline, schedule-major."""
    return [{LR_KEY: lr, **_epochs(n)} for n in IMAGE_EPOCHS for lr in IMAGE_LRS]


@dataclass(frozen=True)
class Result:
    """One trial: its options and its val mAP."""
    setting: Mapping[str, object]
    score: float


def shared_grid() -> List[Tuple[str, Dict[str, object]]]:
    """``(clip rule, setting)`` of the 9 shared-grid trials, rule-major."""
    return [(rule, {LR_KEY: lr, **opts}) for rule, opts in CLIP_RULES.items()
            for lr in LRS]


def best_lr(grid: Sequence[Tuple[str, Result]], rule: str) -> Result:
    """The best shared-grid trial of one method under ``rule`` (first of ties)."""
    under = [r for k, r in grid if k == rule]
    if not under:
        raise ValueError(f'no trial under the clipping rule {rule!r}')
    return max(under, key=lambda r: r.score)


def shared_clip_rule(grids: Mapping[str, Sequence[Tuple[str, Result]]]) -> Tuple[str, dict]:
    """The clipping rule with the highest mean (over methods) of best-lr val mAP.

    Returns the rule and the mean per rule. Ties keep the first rule of
    :data:`CLIP_RULES`.
    """
    if not grids:
        raise ValueError('no method to choose a clipping rule for')
    rules = list(dict.fromkeys(k for grid in grids.values() for k, _ in grid))
    means = {rule: sum(best_lr(g, rule).score for g in grids.values()) / len(grids)
             for rule in rules}
    return max(rules, key=lambda r: means[r]), means


def final_choice(grid: Sequence[Tuple[str, Result]], rule: str,
                 knobs: Sequence[Result]) -> Result:
    """Best of the shared-grid trials under ``rule`` and the knob trials."""
    candidates = [r for k, r in grid if k == rule] + list(knobs)
    return max(candidates, key=lambda r: r.score)


def _base_options(settings: DemoSettings, stem: str) -> Dict[str, str]:
    opts = _overrides(settings, stem, None, train=True)[1:]  # drop '--cfg-options'
    out = dict(o.split('=', 1) for o in opts)
    if _uses_feature_cache(f'{settings.config_dir}/{stem}.py'):  # the demo's cache
        out['feature_cache.dir'] = str((settings.out_dir / 'feature_cache').resolve())
    return out


def check_inputs(settings: DemoSettings, methods: Sequence[str]) -> None:
    """Fail before the first trial when the demo's outputs the trials need are missing:
    the world, the small CLIP and (for HP-DVAL) the stage-1 checkpoint its stage-2
    config loads."""
    needed = [settings.data_dir / 'lt_val.txt']
    if any(m in METHODS for m in methods):  # the ResNets train from scratch
        needed.insert(0, settings.clip_checkpoint)
    if 'HP-DVAL' in methods:
        from mmengine.config import Config
        stage2 = Config.fromfile(f'{settings.config_dir}/{METHODS["HP-DVAL"]}.py')
        needed.append(stage2.load_from)
    missing = [str(p) for p in needed if not Path(p).is_file()]
    if missing:
        raise DemoError(f'selection needs the demo\'s world, small CLIP and HP-DVAL '
                        f'stage-1 checkpoint; missing: {", ".join(missing)} (run '
                        f'`make demo` first)')


ALL_METHODS: Dict[str, str] = {**METHODS, **IMAGE_METHODS}


def run_selection(out_dir: Path, settings: Optional[DemoSettings] = None,
                  methods: Sequence[str] = tuple(ALL_METHODS), seed: int = 0,
                  python: str = sys.executable) -> dict:
    """Run the protocol; write ``selection.{json,md}`` under ``out_dir``."""
    settings = settings or DemoSettings()
    unknown = [m for m in methods if m not in ALL_METHODS]
    if unknown:
        raise ValueError(f'unknown methods {unknown}; known: {list(ALL_METHODS)}')
    check_inputs(settings, methods)
    out_dir = Path(out_dir)

    def run(name: str, setting_list: List[Dict[str, object]]) -> List[Result]:
        stem = ALL_METHODS[name]
        trials: List[Trial] = run_settings(
            f'{settings.config_dir}/{stem}.py', setting_list, out_dir / stem, 'val',
            (seed, ), _base_options(settings, stem), python, METRIC)
        return [Result(t.setting, t.metrics[METRIC]) for t in trials]

    prompt_methods = [m for m in methods if m in METHODS]
    grid_settings = shared_grid()
    grids = {}
    for name in prompt_methods:
        results = run(name, [s for _, s in grid_settings])
        grids[name] = [(rule, r) for (rule, _), r in zip(grid_settings, results)]
    rule, rule_means = shared_clip_rule(grids) if grids else (None, {})
    summary = dict(metric=METRIC, split='val', seed=seed, lrs=list(LRS),
                   clip_rule=rule, clip_rule_means=rule_means, methods={})
    for name in prompt_methods:
        lr = best_lr(grids[name], rule).setting[LR_KEY]
        knobs = run(name, [{LR_KEY: lr, **CLIP_RULES[rule], **k}
                           for k in METHOD_KNOBS[name]])
        best = final_choice(grids[name], rule, knobs)
        summary['methods'][name] = dict(
            config=f'{settings.config_dir}/{METHODS[name]}.py',
            shared_grid=[dict(rule=k, setting=r.setting, val_mAP=r.score)
                         for k, r in grids[name]],
            knobs=[dict(setting=r.setting, val_mAP=r.score) for r in knobs],
            choice=dict(setting=best.setting, val_mAP=best.score))
    for name in (m for m in methods if m in IMAGE_METHODS):
        results = run(name, image_grid())
        best = max(results, key=lambda r: r.score)  # ties: the first trial
        summary['methods'][name] = dict(
            config=f'{settings.config_dir}/{IMAGE_METHODS[name]}.py',
            image_grid=[dict(setting=r.setting, val_mAP=r.score) for r in results],
            choice=dict(setting=best.setting, val_mAP=best.score))
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / 'selection.json').write_text(
        json.dumps(summary, indent=1, default=str) + '\n')
    (out_dir / 'selection.md').write_text(selection_markdown(summary))
    return summary


def selection_markdown(summary: dict) -> str:
    """The selection as Markdown: the rule, then each method's trials and choice."""
    lines = [f'# Offline hyper-parameter selection (val {summary["metric"]}, seed '
             f'{summary["seed"]})']
    if summary['clip_rule_means']:
        lines += ['', 'Shared clipping rule of the prompt methods: mean over them of the '
                  'best-lr val mAP per rule:', '']
    for rule, mean in summary['clip_rule_means'].items():
        mark = ' (chosen)' if rule == summary['clip_rule'] else ''
        lines.append(f'- `{rule}`: {mean:.2f}{mark}')
    for name, m in summary['methods'].items():
        lines += ['', f'## {name} (`{m["config"]}`)', '', '| trial | val mAP |', '|---|---:|']
        for t in m.get('shared_grid', []) + m.get('knobs', []) + m.get('image_grid', []):
            lines.append(f'| {setting_name(t["setting"])} | {t["val_mAP"]:.2f} |')
        c = m['choice']
        lines += ['', f'Choice: `{setting_name(c["setting"])}` (val mAP {c["val_mAP"]:.2f})']
    return '\n'.join(lines) + '\n'
