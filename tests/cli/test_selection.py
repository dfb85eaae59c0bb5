"""The offline selection protocol: equal budgets, one clipping rule, the final choice."""
import shutil

import pytest

from lmpt_mm.cli.demo import DemoError, DemoSettings
from lmpt_mm.cli.selection import (ALL_METHODS, CLIP_RULES, IMAGE_EPOCHS, IMAGE_LRS,
                                   IMAGE_METHODS, LR_KEY, LRS, METHOD_KNOBS, METHODS,
                                   Result, best_lr, check_inputs, final_choice,
                                   image_grid, run_selection, selection_markdown,
                                   shared_clip_rule, shared_grid)


def grid_of(scores):
    """``scores[rule] = [val mAP per lr]`` -> ``[(rule, Result)]`` in shared-grid order."""
    return [(rule, Result(setting, scores[rule][LRS.index(setting[LR_KEY])]))
            for rule, setting in shared_grid()]


def test_every_method_gets_the_same_number_of_trials():
    assert len(shared_grid()) == len(LRS) * len(CLIP_RULES) == 12
    assert set(METHOD_KNOBS) == set(METHODS)
    assert {len(k) for k in METHOD_KNOBS.values()} == {4}
    # every knob setting differs from the others of its method
    for knobs in METHOD_KNOBS.values():
        assert len({tuple(sorted(k.items())) for k in knobs}) == len(knobs)


def test_image_baselines_share_one_grid_of_lr_and_schedule():
    grid = image_grid()
    assert len(grid) == len(IMAGE_LRS) * len(IMAGE_EPOCHS) == 8
    assert len({tuple(sorted(g.items())) for g in grid}) == 8
    for g in grid:  # the cosine schedule ends with the run, validation at its end
        n = g['train_cfg.max_epochs']
        assert g['train_cfg.val_interval'] == g['param_scheduler.T_max'] == n
    assert not set(IMAGE_METHODS) & set(METHODS)


def test_image_baselines_pick_their_best_trial(monkeypatch, tmp_path):
    import lmpt_mm.cli.selection as selection
    seen = []

    def fake_run_settings(config, settings, work_dir, split, seeds, options, python,
                          metric):
        seen.append((config, split, options))
        return [type('T', (), dict(setting=s, metrics={
            metric: 10.0 * s[LR_KEY] + s['train_cfg.max_epochs']}))() for s in settings]

    monkeypatch.setattr(selection, 'run_settings', fake_run_settings)
    monkeypatch.setattr(selection, 'check_inputs', lambda settings, methods: None)
    summary = run_selection(tmp_path, DemoSettings(out_dir=tmp_path / 'demo'),
                            methods=['ERM', 'DB-Focal'])
    assert summary['clip_rule'] is None and summary['clip_rule_means'] == {}
    for name in ('ERM', 'DB-Focal'):
        m = summary['methods'][name]
        assert len(m['image_grid']) == 8
        assert m['choice']['setting'] == {LR_KEY: 0.8, **{
            'train_cfg.max_epochs': 12, 'train_cfg.val_interval': 12,
            'param_scheduler.T_max': 12}}
    # validation only, and no feature cache for models trained on images
    assert {split for _, split, _ in seen} == {'val'}
    assert not any('feature_cache.dir' in opts for _, _, opts in seen)
    md = (tmp_path / 'selection.md').read_text()
    assert 'clipping rule' not in md
    assert '## DB-Focal (`configs/offline/resnet18_db-focal_synth-lt.py`)' in md
    assert 'Choice: `lr=0.8_max_epochs=12_val_interval=12_T_max=12`' in md
    with pytest.raises(ValueError, match='unknown methods'):
        run_selection(tmp_path, methods=['ResNet-50'])


def test_shared_rule_is_the_best_mean_of_best_lrs_not_one_methods_favourite():
    # A is best with clip 0.1 by a little; B needs no clipping by a lot.
    a = grid_of({'max_norm=0.1': [40, 41, 30, 29], 'max_norm=1.0': [39, 38, 30, 29],
                 'none': [40.5, 20, 10, 9]})
    b = grid_of({'max_norm=0.1': [20, 21, 22, 19], 'max_norm=1.0': [25, 26, 20, 19],
                 'none': [30, 31, 29, 28]})
    rule, means = shared_clip_rule({'A': a, 'B': b})
    assert rule == 'none'
    assert means['none'] == pytest.approx((40.5 + 31) / 2)
    assert means['max_norm=0.1'] == pytest.approx((41 + 22) / 2)
    assert best_lr(a, 'none').setting[LR_KEY] == LRS[0]
    assert best_lr(b, 'none').setting[LR_KEY] == LRS[1]
    with pytest.raises(ValueError, match='no trial'):
        best_lr(a, 'per-class')
    with pytest.raises(ValueError):
        shared_clip_rule({})


def test_ties_keep_the_first_rule_and_the_first_trial():
    flat = grid_of({r: [30] * len(LRS) for r in CLIP_RULES})
    assert shared_clip_rule({'A': flat})[0] == next(iter(CLIP_RULES))
    assert best_lr(flat, 'none').setting[LR_KEY] == LRS[0]
    knob = Result({'k': 1}, 30.0)
    assert final_choice(flat, 'none', [knob]).setting[LR_KEY] == LRS[0]


def test_final_choice_only_from_the_shared_rule_and_the_knobs():
    grid = grid_of({'max_norm=0.1': [50, 50, 50, 50], 'max_norm=1.0': [30, 31, 32, 30],
                    'none': [33, 34, 35, 34]})
    knobs = [Result({'w': 1}, 34.5), Result({'w': 2}, 36.0)]
    # 50 under another rule is not eligible: one rule for every method
    assert final_choice(grid, 'none', knobs).setting == {'w': 2}
    assert final_choice(grid, 'none', knobs[:1]).score == 35


def test_markdown_names_the_rule_and_each_choice():
    summary = dict(metric='lt/mAP', seed=0, clip_rule='none',
                   clip_rule_means={'max_norm=0.1': 30.0, 'none': 31.5},
                   methods={'CoOp': dict(
                       config='configs/offline/coop_synth-vit_synth-lt.py',
                       shared_grid=[dict(rule='none', setting={LR_KEY: 2e-3,
                                                               'optim_wrapper.clip_grad':
                                                               None}, val_mAP=31.5)],
                       knobs=[dict(setting={'train_cfg.max_epochs': 40}, val_mAP=31.0)],
                       choice=dict(setting={LR_KEY: 2e-3, 'optim_wrapper.clip_grad': None},
                                   val_mAP=31.5))})
    md = selection_markdown(summary)
    assert '- `none`: 31.50 (chosen)' in md and '- `max_norm=0.1`: 30.00\n' in md
    assert '| max_epochs=40 | 31.00 |' in md
    assert 'Choice: `lr=0.002_clip_grad=None` (val mAP 31.50)' in md


@pytest.mark.parametrize('name', list(ALL_METHODS))
def test_every_swept_key_lands_in_the_method_config(repo_root, name):
    """A misspelt key would add an unused entry and every trial would be the same."""
    from mmengine.config import Config
    cfg = Config.fromfile(str(repo_root / 'configs' / 'offline' /
                              f'{ALL_METHODS[name]}.py'))
    settings = (image_grid() if name in IMAGE_METHODS else
                [s for _, s in shared_grid()] + METHOD_KNOBS[name])
    for key in {k for s in settings for k in s}:
        *parents, leaf = key.split('.')
        node = cfg
        for part in parents:
            assert part in node, f'{name}: {key}: no {part!r}'
            node = node[part]
        assert isinstance(node, dict), f'{name}: {key}: parent is not a dict'
        # a new leaf must be an argument of the parent's type (loss_weight, gamma_neg)
        if leaf not in node:
            assert 'type' in node, f'{name}: {key}: {leaf!r} is not in the config'


def test_missing_demo_outputs_are_named_before_any_trial(tmp_path, repo_root, monkeypatch):
    # a checkout without the demo's outputs (this one may hold them)
    shutil.copytree(repo_root / 'configs', tmp_path / 'configs')
    monkeypatch.chdir(tmp_path)
    settings = DemoSettings(out_dir=tmp_path / 'demo', data_dir=tmp_path / 'data')
    with pytest.raises(DemoError) as err:
        check_inputs(settings, list(METHODS))
    msg = str(err.value)
    assert str(tmp_path / 'demo' / 'clip_synth.pt') in msg
    assert str(tmp_path / 'data' / 'lt_val.txt') in msg
    assert 'hpdval-stage1_synth-vit_synth-lt/epoch_8.pth' in msg  # stage 2's load_from
    assert 'make demo' in msg
    with pytest.raises(DemoError) as err:
        check_inputs(settings, ['CoOp'])
    assert 'epoch_8.pth' not in str(err.value)  # only what the chosen methods need
    with pytest.raises(DemoError) as err:
        check_inputs(settings, ['ERM'])  # from scratch: the world only
    assert 'lt_val.txt' in str(err.value) and 'clip_synth.pt' not in str(err.value)
