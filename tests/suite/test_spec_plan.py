"""Suite configs load into methods x seeds, and every launcher gets the commands a
user would type (dry runs: no data, no weights)."""
import importlib.util
import json
import shlex
from pathlib import Path

import pytest

from lmpt_mm.suite import (Launcher, SuiteError, SuiteRunner, command, load_suite,
                           suite_from_dict)

REPO = Path(__file__).resolve().parents[2]
SUITES = sorted((REPO / 'configs' / 'suites').glob('*.py'))


def run_suite_main():
    spec = importlib.util.spec_from_file_location('run_suite', REPO / 'tools' / 'run_suite.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main


@pytest.fixture
def in_repo(monkeypatch):
    monkeypatch.chdir(REPO)


@pytest.mark.parametrize('path', SUITES, ids=lambda p: p.stem)
def test_every_suite_loads_and_names_existing_configs(path, in_repo):
    suite = load_suite(str(path.relative_to(REPO)))
    assert suite.methods
    for method in suite.methods:
        for stage in method.stages:
            assert (REPO / stage.config).is_file(), (method.name, stage.config)
    assert {b.name for b in suite.baselines} <= {m.name for m in suite.methods}


def dry_run(capsys, *args):
    code = run_suite_main()(['configs/suites/voc_lt.py', '--dry-run', *args])
    assert code == 0
    return [line for line in capsys.readouterr().out.splitlines()
            if not line.startswith('#')]


def test_dry_run_plain_plans_every_method_and_seed(capsys, in_repo):
    lines = dry_run(capsys, '--seeds', '0', '1')
    suite = load_suite('configs/suites/voc_lt.py')
    # zero-shot: one test; trained one-stage methods: per seed train + test; HP-DVAL:
    # stage 1 once, then per seed stage 2 + test
    one_stage = [m for m in suite.methods if m.trained and len(m.stages) == 1]
    assert len(lines) == 1 + len(one_stage) * 4 + (1 + 2 * 2)
    argv = [shlex.split(line) for line in lines]
    assert argv[0][1:4] == ['tools/test.py',
                            'configs/zeroshot_clip/zeroshot-clip_vit-b16_voc-lt.py', 'none']
    coop = [a for a in argv if 'configs/coop/coop_vit-b16_voc-lt.py' in a]
    assert [a[1] for a in coop] == ['tools/train.py', 'tools/test.py'] * 2
    assert coop[0][-2:] == ['--cfg-options', 'randomness.seed=0']
    assert coop[2][-1] == 'randomness.seed=1'
    # the test reads the checkpoint the training run points to, once it exists
    ckpt = '"$(cat work_dirs/suites/voc_lt/coop/coop_vit-b16_voc-lt_seed0/last_checkpoint)"'
    test0 = [line for line in lines if 'tools/test.py configs/coop/' in line][0]
    assert f'tools/test.py configs/coop/coop_vit-b16_voc-lt.py {ckpt} --work-dir' in test0
    stage2 = [line for line in lines if 'hpdval-stage2_vit-b16_voc-lt.py' in line
              and 'tools/train.py' in line]
    assert len(stage2) == 2 and all(
        'load_from="$(cat work_dirs/suites/voc_lt/hp-dval/hpdval-stage1_vit-b16_voc-lt/'
        'last_checkpoint)"' in line for line in stage2)
    assert sum('hpdval-stage1_vit-b16_voc-lt.py' in line for line in lines) == 1


def test_dry_run_pytorch_goes_through_dist_scripts(capsys, in_repo):
    lines = dry_run(capsys, '--launcher', 'pytorch', '--gpus', '8', '--only', 'CoOp',
                    '--seeds', '3')
    ckpt = '"$(cat work_dirs/suites/voc_lt/coop/coop_vit-b16_voc-lt_seed3/last_checkpoint)"'
    assert lines == [
        'bash tools/dist_train.sh configs/coop/coop_vit-b16_voc-lt.py 8 --work-dir '
        'work_dirs/suites/voc_lt/coop/coop_vit-b16_voc-lt_seed3 --cfg-options '
        'randomness.seed=3',
        f'bash tools/dist_test.sh configs/coop/coop_vit-b16_voc-lt.py {ckpt} 8 --work-dir '
        'work_dirs/suites/voc_lt/coop/coop_vit-b16_voc-lt_seed3']


def test_dry_run_slurm_names_partition_job_and_gpus(capsys, in_repo):
    lines = dry_run(capsys, '--launcher', 'slurm', '--gpus', '8', '--partition', 'gpu',
                    '--only', 'Zero-shot CLIP', 'LMPT', '--seeds', '0')
    argv = [shlex.split(line) for line in lines]
    assert argv[0][:5] == ['GPUS=8', 'GPUS_PER_NODE=8', 'bash', 'tools/slurm_test.sh', 'gpu']
    assert argv[0][6:8] == ['configs/zeroshot_clip/zeroshot-clip_vit-b16_voc-lt.py', 'none']
    assert argv[1][2:8] == ['bash', 'tools/slurm_train.sh', 'gpu', 'lmpt-lmpt_vit-b16_voc-lt-s0',
                            'configs/lmpt/lmpt_vit-b16_voc-lt.py',
                            'work_dirs/suites/voc_lt/lmpt/lmpt_vit-b16_voc-lt_seed0']
    assert argv[2][3] == 'tools/slurm_test.sh'


def test_slurm_without_partition_dry_runs_with_the_shell_variable(capsys, in_repo,
                                                                   monkeypatch):
    monkeypatch.delenv('PARTITION', raising=False)
    lines = dry_run(capsys, '--launcher', 'slurm', '--gpus', '8', '--only', 'CoOp',
                    '--seeds', '0')
    assert lines[0].startswith('GPUS=8 GPUS_PER_NODE=8 bash tools/slurm_train.sh '
                               '"$PARTITION" coop-coop_vit-b16_voc-lt-s0 ')
    step = SuiteRunner(load_suite('configs/suites/voc_lt.py'), Launcher('slurm')).chains[1][0]
    with pytest.raises(ValueError, match='needs --partition'):
        command(step, load_suite('configs/suites/voc_lt.py'), Launcher('slurm'))


def test_unknown_methods_are_named(in_repo):
    with pytest.raises(SystemExit, match=r"no method named \['LMTP'\]"):
        run_suite_main()(['configs/suites/voc_lt.py', '--dry-run', '--only', 'LMTP'])


def test_scripts_the_commands_use_exist():
    for script in ('train.py', 'test.py', 'fewshot.py', 'dist_train.sh', 'dist_test.sh',
                   'dist_fewshot.sh', 'slurm_train.sh', 'slurm_test.sh', 'slurm_fewshot.sh'):
        assert (REPO / 'tools' / script).is_file(), script


def base(**kw):
    d = dict(title='t', work_dir='w', methods=[
        dict(name='A', stages=[dict(config='a.py', train=False)]),
        dict(name='B', stages=[dict(config='b.py', seeded=True)])])
    d.update(kw)
    return d


@pytest.mark.parametrize('change, match', [
    (dict(baselines=['C']), "baseline 'C' is not one of the methods"),
    (dict(seeds=[0, 0]), 'seeds must be distinct'),
    (dict(split='train'), 'split must be one of'),
    (dict(methods=[dict(name='A', stages=[dict(config='a.py', lr=1)])]),
     r"unknown field\(s\) \['lr'\]"),
    (dict(methods=[dict(name='A', stages=[dict(config='a.py', seeded=True),
                                          dict(config='b.py')])]),
     'only the last stage may be seeded'),
    (dict(methods=[dict(name='A', stages=[dict(config='a.py', init_from_previous=True)])]),
     'no previous stage'),
    (dict(methods=[dict(name='A', stages=[dict(config='a.py')]),
                   dict(name='A', stages=[dict(config='b.py')])]), 'unique'),
    (dict(methods=[dict(name='A', stages=[dict(config='a.py', cfg_options='x=1')])]),
     'must be a list of strings'),
    (dict(methods=[dict(name='A', stages=[dict(
        config='a.py', cfg_options=["m.ctx_init='a photo of a'"])])]), 'space in its value'),
    (dict(methods=[dict(name='CoOp, DB', stages=[dict(config='a.py')]),
                   dict(name='CoOp DB', stages=[dict(config='b.py')])]),
     'share a work-dir folder'),
])
def test_bad_suites_are_refused_with_the_field_named(change, match):
    with pytest.raises(SuiteError, match=match):
        suite_from_dict(base(**change), 'suite.py')


def test_variables_fill_options_and_paths_but_not_dict_braces():
    suite = suite_from_dict(base(
        variables=dict(data='{work_dir}/data', ds='voc-lt'),
        methods=[dict(name='B', stages=[dict(
            config='configs/b_{ds}.py', seeded=True,
            cfg_options=['x.root={data}', "y={'a': 1}", 'z={unknown}'])])]))
    assert suite.methods[0].stages[0].config == 'configs/b_voc-lt.py'
    runner = SuiteRunner(suite.select(seeds=[7]), Launcher())
    train = shlex.split(runner.dry_run()[0])
    assert 'x.root=w/data' in train and "y={'a': 1}" in train and 'z={unknown}' in train
    assert train[-1] == 'randomness.seed=7'


def test_settings_file_gives_each_named_method_its_chosen_setting(tmp_path):
    chosen = tmp_path / 'sel_c1' / 'selection.json'
    chosen.parent.mkdir()
    chosen.write_text(json.dumps(dict(methods=dict(B=dict(choice=dict(
        setting={'optim_wrapper.optimizer.lr': 0.000125, 'optim_wrapper.clip_grad': None,
                 'model.head.alpha': 1.0}, score=41.7))))))
    suite = suite_from_dict(base(variables=dict(sel=str(tmp_path / 'sel_{rep}'), rep='c1'),
                                 settings='{sel}/selection.json'))
    train, test = (shlex.split(line) for line in SuiteRunner(
        suite.select(seeds=[0]), Launcher()).dry_run()[1:3])
    want = ['optim_wrapper.optimizer.lr=0.000125', 'optim_wrapper.clip_grad=None',
            'model.head.alpha=1.0']
    assert train[-4:] == want + ['randomness.seed=0'] and test[-3:] == want
    # A, which the file does not name, keeps its own options; an empty path means none.
    assert 'model.head.alpha=1.0' not in SuiteRunner(suite, Launcher()).dry_run()[0]
    none = suite_from_dict(base(variables=dict(sel=''), settings='{sel}'))
    assert 'alpha' not in ' '.join(SuiteRunner(none, Launcher()).dry_run())
    with pytest.raises(SuiteError, match='sel_c2/selection.json does not exist'):
        SuiteRunner(suite_from_dict(base(variables=dict(
            sel=str(tmp_path / 'sel_c2')), settings='{sel}/selection.json')),
            Launcher()).dry_run()
    chosen.write_text('{"methods": {"B": {}}}')
    with pytest.raises(SuiteError, match='not a selection.json'):
        SuiteRunner(suite, Launcher()).dry_run()


def test_optional_options_go_only_where_their_parent_is_a_dict(tmp_path):
    """``?param_scheduler.T_max=2`` shortens a cosine schedule and leaves a list of
    schedulers (HP-DVAL's code-form 1cycle) alone; the demo's reduced suite relies on it."""
    from lmpt_mm.suite.spec import applicable_options
    cosine = tmp_path / 'cosine.py'
    cosine.write_text("param_scheduler = dict(type='CosineAnnealingLR', T_max=20)\n")
    cycle = tmp_path / 'cycle.py'
    cycle.write_text("param_scheduler = [dict(type='OneCycleLR'), dict(type='X')]\n")
    opts = ['train_cfg.max_epochs=2', '?param_scheduler.T_max=2', '?model.head.x=1']
    assert applicable_options(str(cosine), opts) == ['train_cfg.max_epochs=2',
                                                     'param_scheduler.T_max=2']
    assert applicable_options(str(cycle), opts) == ['train_cfg.max_epochs=2']
    suite = suite_from_dict(dict(
        title='t', work_dir=str(tmp_path / 'w'), train_options=opts[:2],
        methods=[dict(name=n, stages=[dict(config=str(c))]) for n, c in
                 (('A', cosine), ('B', cycle))]))
    a_train, _, b_train, _ = (shlex.split(line) for line in
                              SuiteRunner(suite, Launcher()).dry_run())
    assert a_train[-1] == 'param_scheduler.T_max=2' and 'param_scheduler.T_max=2' not in b_train
    with pytest.raises(SuiteError, match='not KEY=VALUE'):
        suite_from_dict(dict(title='t', train_options=['?=1'], methods=[
            dict(name='A', stages=[dict(config=str(cosine))])]))
