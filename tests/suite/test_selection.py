"""The selection protocol (equal budgets, one clipping rule, the final choice) and the
offline selection suite: its grid, its inputs, its trials through the suite runner."""
import json
import shutil
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from mmengine.config import Config

from lmpt_mm.suite import Launcher
from lmpt_mm.suite.selection import (Result, SelectionError, best_lr, check_inputs,
                                     epoch_options, final_choice, grid_from_dict,
                                     image_grid, load_selection, run_selection,
                                     run_trial, selection_markdown, shared_clip_rule,
                                     shared_grid, trial_suite)

REPO = Path(__file__).resolve().parents[2]
SUITE = 'configs/suites/offline_selection.py'
LR = 'optim_wrapper.optimizer.lr'


@pytest.fixture(scope='module')
def loaded():
    return load_selection(str(REPO / SUITE))


@pytest.fixture(scope='module')
def grid(loaded):
    return loaded[1]


def grid_of(grid, scores):
    """``scores[rule] = [score per lr]`` -> ``[(rule, Result)]`` in shared-grid order."""
    return [(rule, Result(setting, scores[rule][grid.lrs.index(setting[LR])]))
            for rule, setting in shared_grid(grid)]


def test_every_prompt_method_gets_the_same_number_of_trials(loaded, grid):
    suite, _ = loaded
    assert suite.split == 'val' and suite.seeds == (0, )
    assert len(shared_grid(grid)) == len(grid.lrs) * len(grid.clip_rules) == 12
    assert set(grid.prompt_methods) | set(grid.image_methods) == {
        m.name for m in suite.methods}
    assert {len(k) for k in grid.method_knobs.values()} == {4}
    for knobs in grid.method_knobs.values():  # every knob setting differs from the others
        assert len({json.dumps(k, sort_keys=True) for k in knobs}) == len(knobs)
    # CoOp's schedule knobs end the cosine decay with the run and validate at its end
    for knob in grid.method_knobs['CoOp']:
        n = knob['train_cfg.max_epochs']
        assert {k: knob[k] for k in epoch_options(n)} == epoch_options(n)


def test_image_baselines_share_one_grid_of_lr_and_schedule(grid):
    settings = image_grid(grid)
    assert len(settings) == len(grid.image_lrs) * len(grid.image_epochs) == 8
    assert len({json.dumps(s, sort_keys=True) for s in settings}) == 8
    for s in settings:
        n = s['train_cfg.max_epochs']
        assert s['train_cfg.val_interval'] == s['param_scheduler.T_max'] == n


def test_grid_must_cover_the_suite_methods_once(loaded):
    suite, _ = loaded
    raw = Config.fromfile(str(REPO / SUITE)).to_dict()['selection']
    with pytest.raises(SelectionError, match='every method of the suite once'):
        grid_from_dict(dict(raw, image_methods=['ERM']), suite)
    with pytest.raises(SelectionError, match='one protocol'):
        grid_from_dict(dict(raw, image_methods=['ERM', 'DB-Focal', 'CoOp']), suite)
    with pytest.raises(SelectionError, match='unknown field'):
        grid_from_dict(dict(raw, lr=[1.0]), suite)
    with pytest.raises(SelectionError, match="split='val'"):
        grid_from_dict(raw, replace(suite, split='test'))


def test_shared_rule_is_the_best_mean_of_best_lrs_not_one_methods_favourite(grid):
    # A is best with clip 0.1 by a little; B needs no clipping by a lot.
    a = grid_of(grid, {'max_norm=0.1': [40, 41, 30, 29], 'max_norm=1.0': [39, 38, 30, 29],
                       'none': [40.5, 20, 10, 9]})
    b = grid_of(grid, {'max_norm=0.1': [20, 21, 22, 19], 'max_norm=1.0': [25, 26, 20, 19],
                       'none': [30, 31, 29, 28]})
    rule, means = shared_clip_rule({'A': a, 'B': b})
    assert rule == 'none'
    assert means['none'] == pytest.approx((40.5 + 31) / 2)
    assert means['max_norm=0.1'] == pytest.approx((41 + 22) / 2)
    assert best_lr(a, 'none').setting[LR] == grid.lrs[0]
    assert best_lr(b, 'none').setting[LR] == grid.lrs[1]
    with pytest.raises(ValueError, match='no trial'):
        best_lr(a, 'per-class')
    with pytest.raises(ValueError):
        shared_clip_rule({})


def test_ties_keep_the_first_rule_and_the_first_trial(grid):
    flat = grid_of(grid, {r: [30] * len(grid.lrs) for r in grid.clip_rules})
    assert shared_clip_rule({'A': flat})[0] == next(iter(grid.clip_rules))
    assert best_lr(flat, 'none').setting[LR] == grid.lrs[0]
    knob = Result({'k': 1}, 30.0)
    assert final_choice(flat, 'none', [knob]).setting[LR] == grid.lrs[0]


def test_final_choice_only_from_the_shared_rule_and_the_knobs(grid):
    trials = grid_of(grid, {'max_norm=0.1': [50, 50, 50, 50],
                            'max_norm=1.0': [30, 31, 32, 30], 'none': [33, 34, 35, 34]})
    knobs = [Result({'w': 1}, 34.5), Result({'w': 2}, 36.0)]
    # 50 under another rule is not eligible: one rule for every method
    assert final_choice(trials, 'none', knobs).setting == {'w': 2}
    assert final_choice(trials, 'none', knobs[:1]).score == 35


def test_markdown_names_the_rule_and_each_choice():
    summary = dict(title='Offline hyper-parameter selection', metric='lt/mAP', split='val',
                   seeds=[0], clip_rule='none',
                   clip_rule_means={'max_norm=0.1': 30.0, 'none': 31.5},
                   methods={'CoOp': dict(
                       config='configs/offline/coop_synth-vit_synth-lt.py',
                       shared_grid=[dict(rule='none', setting={
                           LR: 2e-3, 'optim_wrapper.clip_grad': None}, score=31.5)],
                       knobs=[dict(setting={'train_cfg.max_epochs': 40}, score=31.0)],
                       choice=dict(setting={LR: 2e-3, 'optim_wrapper.clip_grad': None},
                                   score=31.5))})
    md = selection_markdown(summary)
    assert md.startswith('# Offline hyper-parameter selection (val lt/mAP, seed 0)')
    assert '- `none`: 31.50 (chosen)' in md and '- `max_norm=0.1`: 30.00\n' in md
    assert '| max_epochs=40 | 31.00 |' in md
    assert 'Choice: `lr=0.002_clip_grad=None` (val lt/mAP 31.50)' in md


@pytest.mark.parametrize('name', ['CoOp', 'CoCoOp', 'LMPT', 'DualCoOp', 'HP-DVAL',
                                  'HP-DVAL (code form)', 'ERM', 'DB-Focal'])
def test_every_swept_key_lands_in_the_method_config(loaded, grid, name):
    """A misspelt key would add an unused entry and every trial would be the same."""
    suite, _ = loaded
    cfg = Config.fromfile(str(REPO / suite.method(name).stages[-1].config))
    settings = (image_grid(grid) if name in grid.image_methods else
                [s for _, s in shared_grid(grid)] + list(grid.method_knobs[name]))
    for key in {k for s in settings for k in s}:
        *parents, leaf = key.split('.')
        if key.startswith('optim_wrapper.clip_grad') and not cfg.optim_wrapper.get(
                'clip_grad'):
            continue  # a clipping rule may add clip_grad to an unclipped optimiser
        node = cfg
        for part in parents:
            assert part in node, f'{name}: {key}: no {part!r}'
            node = node[part]
        assert isinstance(node, dict), f'{name}: {key}: parent is not a dict'
        # a new leaf must be an argument of the parent's type (loss_weight, gamma_neg)
        if leaf not in node:
            assert 'type' in node, f'{name}: {key}: {leaf!r} is not in the config'


def test_trial_suite_is_the_method_alone_with_the_setting_last(loaded):
    suite, _ = loaded
    setting = {LR: 5e-4, 'optim_wrapper.clip_grad': None}
    trial = trial_suite(suite, 'CoOp', setting)
    (method, ) = trial.methods
    assert method.name == 'lr=0.0005_clip_grad=None'
    assert method.stages[-1].train_options[-2:] == (
        'optim_wrapper.optimizer.lr=0.0005', 'optim_wrapper.clip_grad=None')
    assert trial.work_dir == 'work_dirs/selection/coop' and not trial.baselines
    # the suite's variables keep naming the selection's (and the demo's) folders
    assert trial.expand('{work_dir}') == 'work_dirs/selection'
    assert trial.expand('{clip}') == str(Path.cwd() / 'work_dirs/demo/clip_synth.pt')


@pytest.mark.parametrize('name', ['HP-DVAL', 'HP-DVAL (code form)'])
def test_stage2_config_loads_the_demo_stage1_checkpoint(loaded, name, monkeypatch):
    """Each HP-DVAL stage-2 config's own load_from is the one the selection passes: the
    demo suite's stage-1 run folder of that method."""
    from lmpt_mm.suite import load_suite
    from lmpt_mm.suite.plan import run_dir
    suite, _ = loaded
    (stage, ) = suite.method(name).stages
    passed = [o.split('=', 1)[1] for o in stage.cfg_options if o.startswith('load_from=')]
    default = Config.fromfile(str(REPO / stage.config)).load_from
    assert [suite.expand(p) for p in passed] == [str(Path.cwd() / default)]
    monkeypatch.chdir(REPO)
    demo = load_suite('configs/suites/offline_demo.py')
    method = demo.method(name)
    assert Path(default).parent == run_dir(demo, method, method.stages[0], None)


def test_missing_demo_outputs_are_named_before_any_trial(tmp_path, monkeypatch):
    # a checkout without the demo's outputs (this one may hold them)
    shutil.copytree(REPO / 'configs', tmp_path / 'configs')
    monkeypatch.chdir(tmp_path)
    suite, grid = load_selection(SUITE)
    with pytest.raises(SelectionError) as err:
        check_inputs(suite, grid, list(grid.prompt_methods))
    msg = str(err.value)
    assert 'work_dirs/demo/clip_synth.pt' in msg
    assert 'data/synthetic_lt/lt_val.txt' in msg
    assert 'work_dirs/demo/hp-dval/hpdval-stage1_synth-vit_synth-lt/epoch_8.pth' in msg
    assert 'make demo' in msg
    with pytest.raises(SelectionError) as err:
        check_inputs(suite, grid, ['CoOp'])
    assert 'epoch_8.pth' not in str(err.value)  # only what the chosen methods need
    with pytest.raises(SelectionError) as err:
        check_inputs(suite, grid, ['ERM'])  # from scratch: the world only
    assert 'lt_val.txt' in str(err.value) and 'clip_synth.pt' not in str(err.value)
    # run_selection checks before its first trial
    with pytest.raises(SelectionError, match='clip_synth.pt'):
        run_selection(suite, grid, ['CoOp'], run=lambda trial: pytest.fail('ran a trial'))
    with pytest.raises(SelectionError, match='unknown methods'):
        run_selection(suite, grid, ['ResNet-50'])


FAKE_TRAIN = '''\
"""Stands in for `python tools/train.py CONFIG --work-dir WD --cfg-options ...`: logs a
final validation whose mAP is 10 * lr + max_epochs, and a checkpoint."""
import json, sys
from pathlib import Path
args = sys.argv[1:]
wd = Path(args[args.index('--work-dir') + 1])
opts = dict(o.split('=', 1) for o in args[args.index('--cfg-options') + 1:])
score = 10 * float(opts['optim_wrapper.optimizer.lr']) + int(opts['train_cfg.max_epochs'])
if score > DIVERGE_ABOVE:
    raise FloatingPointError('non-finite loss at iteration 3 (epoch 1): loss nan')
scalars = wd / '20240101_000000' / 'vis_data' / 'scalars.json'
scalars.parent.mkdir(parents=True, exist_ok=True)
scalars.write_text(json.dumps({'lt/mAP': score, 'lt/mAP_head': 1.0, 'step': 1}) + '\\n')
(wd / 'epoch_1.pth').write_bytes(b'weights')
(wd / 'last_checkpoint').write_text(str(wd / 'epoch_1.pth'))
with open(CALLS, 'a') as f:
    f.write(' '.join(args) + '\\n')
'''


def fake_trials(tmp_path, monkeypatch, calls, diverge_above: float):
    """``(run, lines)``: trials through the suite runner with FAKE_TRAIN as python (it
    diverges above ``diverge_above``), and the lines they print."""
    fake = tmp_path / 'fake_python'
    fake.write_text(f'#!{sys.executable}\nCALLS = {str(calls)!r}\n'
                    f'DIVERGE_ABOVE = {diverge_above!r}\n' + FAKE_TRAIN)
    fake.chmod(0o755)
    monkeypatch.chdir(REPO)  # the suite's config paths are relative to the repository
    monkeypatch.setattr('lmpt_mm.suite.selection.check_inputs', lambda *args: None)
    lines = []

    def run(trial):
        return run_trial(trial, Launcher(python=str(fake)), print_fn=lines.append)
    return run, lines


def test_image_baselines_run_through_the_suite_runner_and_resume(loaded, tmp_path,
                                                                  monkeypatch):
    suite, grid = loaded
    suite = suite.select(work_dir=str(tmp_path / 'selection'))
    calls = tmp_path / 'calls.txt'
    run, lines = fake_trials(tmp_path, monkeypatch, calls, diverge_above=1e9)

    summary = run_selection(suite, grid, ['ERM', 'DB-Focal'], run=run)
    assert summary['clip_rule'] is None and summary['clip_rule_means'] == {}
    best = {LR: max(grid.image_lrs), **epoch_options(max(grid.image_epochs))}
    for name in ('ERM', 'DB-Focal'):
        m = summary['methods'][name]
        assert len(m['image_grid']) == 8
        assert m['choice']['setting'] == best
        assert m['choice']['score'] == pytest.approx(10 * best[LR] + best[
            'train_cfg.max_epochs'])
    argv = calls.read_text().splitlines()
    assert len(argv) == 16 and len(set(argv)) == 16
    # validation only, seed 0, the world's loaders, no feature cache for image models
    assert all(a.startswith('tools/train.py configs/offline/resnet18_') for a in argv)
    assert all('randomness.seed=0' in a and 'val_dataloader.dataset.data_root='
               'data/synthetic_lt' in a and 'feature_cache' not in a for a in argv)
    assert str(tmp_path / 'selection' / 'erm' / 'lr-0.8-max-epochs-12-val-interval-12-'
               't-max-12' / 'resnet18_erm_synth-lt_seed0') in '\n'.join(argv)
    md = (tmp_path / 'selection' / 'selection.md').read_text()
    assert 'clipping rule' not in md
    assert '## DB-Focal (`configs/offline/resnet18_db-focal_synth-lt.py`)' in md
    assert 'Choice: `lr=0.8_max_epochs=12_val_interval=12_T_max=12`' in md
    assert json.loads((tmp_path / 'selection' / 'selection.json').read_text()) == \
        json.loads(json.dumps(summary))
    # a second selection finds every trial finished: nothing runs again
    again = run_selection(suite, grid, ['ERM', 'DB-Focal'], run=run)
    assert again == summary
    assert len(calls.read_text().splitlines()) == 16
    assert any('up to date, skipped' in line for line in lines)


def test_a_diverged_trial_is_recorded_and_never_chosen(loaded, tmp_path, monkeypatch):
    suite, grid = loaded
    suite = suite.select(work_dir=str(tmp_path / 'selection'))
    # lr 0.8 (scores 16 and 20) diverges; the best of the rest is lr 0.2 for 12 epochs
    run, lines = fake_trials(tmp_path, monkeypatch, tmp_path / 'calls.txt', diverge_above=15)

    summary = run_selection(suite, grid, ['ERM'], run=run)
    erm = summary['methods']['ERM']
    assert erm['choice'] == dict(setting={LR: 0.2, **epoch_options(12)},
                                 score=pytest.approx(14.0))
    diverged = [t for t in erm['image_grid'] if t.get('diverged')]
    assert [t['setting'][LR] for t in diverged] == [0.8, 0.8] and all(
        t['score'] is None for t in diverged)
    assert sum('diverged' in line and 'never chosen' in line for line in lines) == 2
    md = (tmp_path / 'selection' / 'selection.md').read_text()
    assert '| lr=0.8_max_epochs=12_val_interval=12_T_max=12 | diverged |' in md
    # every trial diverging is an error, not a choice
    run, _ = fake_trials(tmp_path, monkeypatch, tmp_path / 'calls.txt', diverge_above=-1)
    with pytest.raises(SelectionError, match='ERM: every trial diverged'):
        run_selection(suite.select(work_dir=str(tmp_path / 'all')), grid, ['ERM'], run=run)


def scored_by_setting(score, log):
    """A trial runner without processes: the trial's setting (its method name is the
    setting's name) scored by ``score(method folder, setting name)``."""
    def run(trial):
        name = trial.methods[0].name
        log.append((Path(trial.work_dir).name, name))
        return {'lt/mAP': score(Path(trial.work_dir).name, name)}
    return run


def test_the_rule_is_chosen_by_its_methods_whoever_is_selected(loaded, tmp_path,
                                                               monkeypatch):
    suite, grid = loaded
    suite = suite.select(work_dir=str(tmp_path / 'selection'))
    monkeypatch.setattr('lmpt_mm.suite.selection.check_inputs', lambda *args: None)

    def score(method, name):
        # the four voters do best at norm 1.0; CoCoOp alone would pick no clipping
        bonus = {'max_norm=1.0': 5} if method != 'cocoop' else {'clip_grad=None': 5}
        return 30 + sum(v for k, v in bonus.items() if k in name) + (
            1 if 'lr=0.002' in name else 0)
    log = []
    summary = run_selection(suite, grid, ['CoCoOp'], run=scored_by_setting(score, log))
    assert summary['clip_rule'] == 'max_norm=1.0'
    assert summary['clip_rule_methods'] == ['CoOp', 'LMPT', 'DualCoOp', 'HP-DVAL']
    assert list(summary['methods']) == ['CoCoOp']
    cocoop = [name for folder, name in log if folder == 'cocoop']
    # its lrs under the voters' rule, then its knobs: 8 trials, as many eligible as theirs
    assert len(cocoop) == len(grid.lrs) + 4 and all('max_norm=1.0' in n for n in cocoop)
    assert sum(folder == 'coop' for folder, _ in log) == len(shared_grid(grid))
    choice = summary['methods']['CoCoOp']['choice']['setting']
    assert choice[LR] == 2e-3 and choice['optim_wrapper.clip_grad.max_norm'] == 1.0
    md = selection_markdown(summary)
    assert 'mean over CoOp, LMPT, DualCoOp, HP-DVAL of the best-lr score' in md
    with pytest.raises(SelectionError, match='clip_rule_methods must be prompt methods'):
        raw = Config.fromfile(str(REPO / SUITE)).to_dict()['selection']
        grid_from_dict(dict(raw, clip_rule_methods=['ERM']), suite)


def test_lr_and_rule_trials_train_at_the_knob_reference(loaded, tmp_path, monkeypatch):
    """The reference values are in each lr x rule trial's setting (and so in a chosen
    setting), not in its folder name; a config holding a chosen knob does not move the
    trials."""
    suite, grid = loaded
    suite = suite.select(work_dir=str(tmp_path / 'selection'))
    monkeypatch.setattr('lmpt_mm.suite.selection.check_inputs', lambda *args: None)
    seen = {}

    def run(trial):
        stage = trial.methods[0].stages[-1]
        if Path(trial.work_dir).name == 'coop':
            seen[trial.methods[0].name] = list(stage.train_options)
        # only the lr x rule trials score: the choice is one of them
        return {'lt/mAP': 0.0 if 'weight_decay' in trial.methods[0].name else 30.0}
    summary = run_selection(suite, grid, ['CoOp'], run=run)
    ref = grid.knob_reference['CoOp']
    choice = summary['methods']['CoOp']['choice']['setting']
    assert {k: choice[k] for k in ref} == ref
    name = 'lr=0.000125_max_norm=0.1'  # as before the reference existed
    assert name in seen and 'optim_wrapper.optimizer.weight_decay=0.0001' in seen[name]
    assert 'train_cfg.max_epochs=20' in seen[name]
    # a knob trial's own values win over the reference
    knob = next(n for n in seen if 'max_epochs=40' in n)
    assert 'train_cfg.max_epochs=40' in seen[knob] and 'train_cfg.max_epochs=20' not in seen[knob]


def test_the_knob_reference_must_cover_the_knob_keys(loaded):
    suite, _ = loaded
    raw = Config.fromfile(str(REPO / SUITE)).to_dict()['selection']
    with pytest.raises(SelectionError, match="knob_reference\\['LMPT'\\] must give every"):
        grid_from_dict(dict(raw, knob_reference=dict(raw['knob_reference'], LMPT={})),
                       suite)
    with pytest.raises(SelectionError, match='not prompt methods'):
        grid_from_dict(dict(raw, knob_reference=dict(raw['knob_reference'], ERM={})), suite)


def test_selecting_some_methods_keeps_the_others_choices(loaded, tmp_path, monkeypatch):
    suite, grid = loaded
    suite = suite.select(work_dir=str(tmp_path / 'selection'))
    monkeypatch.setattr('lmpt_mm.suite.selection.check_inputs', lambda *args: None)

    def run(trial):
        return {'lt/mAP': 40.0 if 'max_norm=0.1' in trial.methods[0].name else 30.0}
    run_selection(suite, grid, ['CoOp', 'ERM'], run=run)
    summary = run_selection(suite, grid, ['LMPT'], run=run)
    assert list(summary['methods']) == ['CoOp', 'ERM', 'LMPT']
    saved = json.loads((tmp_path / 'selection' / 'selection.json').read_text())
    assert list(saved['methods']) == ['CoOp', 'ERM', 'LMPT']
    assert '## CoOp' in (tmp_path / 'selection' / 'selection.md').read_text()
    # the image methods alone keep the rule the prompt methods were chosen under
    assert run_selection(suite, grid, ['DB-Focal'], run=run)['clip_rule'] == 'max_norm=0.1'

    def other(trial):  # now the rule changes: earlier prompt choices no longer hold
        return {'lt/mAP': 40.0 if 'clip_grad=None' in trial.methods[0].name else 30.0}
    monkeypatch.chdir(tmp_path)
    changed = run_selection(suite.select(work_dir=str(tmp_path / 'selection')), grid,
                            ['DualCoOp'], run=other)
    assert changed['clip_rule'] == 'none'
    assert set(changed['methods']) == {'ERM', 'DB-Focal', 'DualCoOp'}
