"""A suite that selects its settings when it runs (``select_settings``): the stages the
selection reads train first, then the selection, then the methods with their choices;
a second run does nothing again."""
import shlex
import sys
from pathlib import Path

import pytest

from lmpt_mm.suite import Launcher, SuiteError, suite_from_dict
from lmpt_mm.suite.pipeline import dry_run, run_suite, select_command

LR = 'optim_wrapper.optimizer.lr'

# Stands in for `python tools/train.py CONFIG --work-dir WD --cfg-options ...`: the
# validation mAP is 10 * lr + epochs for c.py and 10 * lr - epochs otherwise (so the
# two methods choose different schedules); a run given load_from needs that file.
FAKE_TRAIN = '''\
import json, sys
from pathlib import Path
args = sys.argv[1:]
wd = Path(args[args.index('--work-dir') + 1])
opts = dict(o.split('=', 1) for o in args[args.index('--cfg-options') + 1:]) \\
    if '--cfg-options' in args else {}
if 'load_from' in opts and not Path(opts['load_from']).is_file():
    sys.exit('no checkpoint ' + opts['load_from'])
sign = 1 if args[1].endswith('c.py') else -1
score = 10 * float(opts.get('optim_wrapper.optimizer.lr', 0)) + sign * int(
    opts.get('train_cfg.max_epochs', 1))
scalars = wd / '20240101_000000' / 'vis_data' / 'scalars.json'
scalars.parent.mkdir(parents=True, exist_ok=True)
scalars.write_text(json.dumps({'lt/mAP': score, 'step': 1}) + '\\n')
(wd / 'epoch_1.pth').write_bytes(b'weights')
(wd / 'last_checkpoint').write_text(str(wd / 'epoch_1.pth'))
with open(CALLS, 'a') as f:
    f.write(' '.join(args) + '\\n')
'''

CONFIG = ('model = dict(x=1)\noptim_wrapper = dict(optimizer=dict(lr=0.1))\n'
          'train_cfg = dict(max_epochs=1, val_interval=1)\nparam_scheduler = dict(T_max=1)\n')

SELECTION = '''\
title = 'selection on {up}'
split = 'val'
seeds = [0]
variables = dict(up='nowhere')
methods = [
    dict(name='Two', stages=[dict(config=%(b)r, seeded=True,
                                  train_options=['load_from={up}/two/a/epoch_1.pth'])]),
    dict(name='One', stages=[dict(config=%(c)r, seeded=True)]),
]
selection = dict(lrs=[], clip_rules={}, method_knobs={}, image_methods=['Two', 'One'],
                 image_lrs=[0.1, 0.4], image_epochs=[1, 2])
'''


@pytest.fixture
def world(tmp_path):
    """Configs a, b, c, a selection suite over b and c, a fake python logging calls."""
    for name in 'abc':
        (tmp_path / f'{name}.py').write_text(CONFIG)
    cfg = {n: str(tmp_path / f'{n}.py') for n in 'abc'}
    (tmp_path / 'select.py').write_text(SELECTION % cfg)
    calls = tmp_path / 'calls.txt'
    fake = tmp_path / 'fake_python'
    fake.write_text(f'#!{sys.executable}\nCALLS = {str(calls)!r}\n' + FAKE_TRAIN)
    fake.chmod(0o755)
    suite = dict(
        title='t', work_dir=str(tmp_path / 'runs'), split='val', seeds=[0],
        methods=[dict(name='Two', stages=[dict(config=cfg['a']),
                                          dict(config=cfg['b'], seeded=True,
                                               init_from_previous=True)]),
                 dict(name='One', stages=[dict(config=cfg['c'], seeded=True)])],
        select_settings=dict(suite=str(tmp_path / 'select.py'), methods=['Two', 'One'],
                             work_dir='{work_dir}/selection',
                             cfg_options={'variables.up': '{abs_work_dir}'}))
    return suite, Launcher(python=str(fake)), calls


def test_select_settings_is_checked_when_the_suite_loads(world):
    raw, _, _ = world
    with pytest.raises(SuiteError, match=r"methods must name methods of the suite"):
        suite_from_dict(dict(raw, select_settings=dict(raw['select_settings'],
                                                       methods=['Three'])))
    with pytest.raises(SuiteError, match='needs work_dir'):
        suite_from_dict(dict(raw, select_settings=dict(raw['select_settings'],
                                                       work_dir='')))
    with pytest.raises(SuiteError, match='selection suite config .*nope.py not found'):
        suite_from_dict(dict(raw, select_settings=dict(raw['select_settings'],
                                                       suite='nope.py')))
    with pytest.raises(SuiteError, match='keep one'):
        suite_from_dict(dict(raw, settings='x/selection.json'))
    with pytest.raises(SuiteError, match='unknown field'):
        suite_from_dict(dict(raw, select_settings=dict(raw['select_settings'], lr=1)))


def test_only_the_stages_before_the_selected_ones_run_first(world):
    raw, _, _ = world
    suite = suite_from_dict(raw)
    first = suite.before_selection()
    assert [(m.name, [s.stem for s in m.stages]) for m in first.methods] == [('Two', ['a'])]
    assert first.select_settings is None and first.settings is None
    assert suite.settings_file() == str(Path(raw['work_dir']) / 'selection' /
                                        'selection.json')


def test_only_selects_for_the_kept_methods(world):
    raw, _, _ = world
    suite = suite_from_dict(raw)
    assert suite.select(only=['One']).select_settings.methods == ('One', )
    assert suite.select(only=['One']).before_selection().methods == ()
    # no selected method kept: no selection, the configs' own settings
    assert suite_from_dict(dict(raw, select_settings=dict(
        raw['select_settings'], methods=['Two']))).select(only=['One']).select_settings is None


def test_stage_one_then_the_selection_then_the_methods_with_their_choices(world):
    raw, launcher, calls = world
    suite = suite_from_dict(raw)
    work = Path(raw['work_dir'])
    # before the selection has run, the dry run shows the order and says what is missing
    lines = dry_run(suite, launcher)
    assert '/two/a' in lines[0] and 'tools/select_offline.py' in lines[1]
    assert lines[1].endswith(f'--cfg-options variables.up={work.resolve()}')
    assert lines[2].startswith('# ') and 'does not exist yet' in lines[2]
    assert len(lines) == 3 + 3  # a, then b and c with the configs' own options

    out = []
    outcome = run_suite(suite, launcher, print_fn=out.append)
    assert not outcome.failed
    argv = calls.read_text().splitlines()
    assert len(argv) == 1 + 2 * 4 + 2
    assert f'--work-dir {work}/two/a ' in argv[0] + ' '  # stage 1 before any trial
    assert all('/selection/' in a for a in argv[1:9])
    # each method trains with the setting chosen for it (Two: fewer epochs is better)
    two, one = argv[9], argv[10]
    assert f'{LR}=0.4' in two and 'train_cfg.max_epochs=1' in two and '/two/b_seed0' in two
    assert f'{LR}=0.4' in one and 'train_cfg.max_epochs=2' in one and '/one/c_seed0' in one
    assert (work / 'selection' / 'selection.md').is_file()
    assert any(line.startswith('[select] One: ') for line in out)
    # the dry run now carries the settings; a second run finds everything done
    after = dry_run(suite, launcher)
    assert not any(line.startswith('#') for line in after)
    assert 'train_cfg.max_epochs=2' in shlex.split(after[-1])
    run_suite(suite, launcher, print_fn=out.append)
    assert len(calls.read_text().splitlines()) == len(argv)


def test_a_failing_first_stage_stops_before_the_selection(world):
    raw, launcher, calls = world
    broken = dict(raw, methods=[dict(raw['methods'][0], stages=[
        dict(config=raw['methods'][0]['stages'][0]['config'],
             train_options=['load_from=/nonexistent.pth']),
        raw['methods'][0]['stages'][1]]), raw['methods'][1]])
    outcome = run_suite(suite_from_dict(broken), launcher, print_fn=lambda line: None)
    assert [o.step.stage.stem for o in outcome.failed] == ['a']
    assert not calls.exists()
    assert not (Path(raw['work_dir']) / 'selection').exists()


def test_select_command_is_what_a_user_would_type(world):
    raw, _, _ = world
    suite = suite_from_dict(raw)
    argv = select_command(suite)
    assert argv[:2] == ['python', 'tools/select_offline.py']
    assert argv[argv.index('--methods') + 1:argv.index('--work-dir')] == ['Two', 'One']
    assert argv[argv.index('--work-dir') + 1] == f'{raw["work_dir"]}/selection'
