"""Resumable tools key finished work on the resolved config and options: tools/sweep.py
re-runs a trial whose config file or options changed, tools/fewshot.py refuses a work
dir holding another run's episodes. Both in-process, without training: the sweep's
train command is a stand-in that logs a validation line; the few-shot refusal comes
before any training."""
import json
import stat
import sys
from pathlib import Path

import pytest

from lmpt_mm.cli import fewshot
from lmpt_mm.cli.runner_setup import load_config
from lmpt_mm.cli.sweep import run_settings
from lmpt_mm.utils.hashing import differences, json_digest, run_record

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / 'tests' / 'fixtures'

# Stands in for `python tools/train.py CONFIG --work-dir WD --cfg-options ...`: logs
# one validation line (lt/mAP = number of calls so far) and the call.
FAKE_TRAIN = '''
import json, os, sys
wd = sys.argv[sys.argv.index('--work-dir') + 1]
calls = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(wd))), 'calls.txt')
with open(calls, 'a') as f:
    f.write(wd + '\\n')
n = len(open(calls).read().splitlines())
os.makedirs(os.path.join(wd, '20240101_000000', 'vis_data'), exist_ok=True)
with open(os.path.join(wd, '20240101_000000', 'vis_data', 'scalars.json'), 'w') as f:
    f.write(json.dumps({'lt/mAP': float(n), 'step': 1}) + '\\n')
'''


@pytest.fixture
def fake_python(tmp_path) -> str:
    script = tmp_path / 'fake_train.py'
    script.write_text(FAKE_TRAIN)
    exe = tmp_path / 'fake_python'
    exe.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{script}" "$@"\n')
    exe.chmod(exe.stat().st_mode | stat.S_IEXEC)
    return str(exe)


def test_run_record_drops_the_work_dir_and_names_changes():
    a = run_record(dict(model=dict(lr=1), work_dir='x'), seed=0)
    b = run_record(dict(model=dict(lr=2), work_dir='y'), seed=0)
    assert a == dict(config=dict(model=dict(lr=1)), options=dict(seed=0))
    assert json_digest(a) != json_digest(b)
    assert json_digest(a) == json_digest(run_record(dict(model=dict(lr=1), work_dir='z'),
                                                    seed=0))
    assert differences(a, b) == ['config.model.lr: 1 -> 2']


def test_sweep_reruns_a_trial_after_the_config_file_changed(tmp_path, fake_python,
                                                            capsys):
    config = tmp_path / 'cfg.py'
    base = (f"_base_ = ['{FIXTURES / 'tiny_resnet_lt.py'}']\n"
            "val_dataloader = dict(dataset=dict(ann_file='val.txt'))\n")
    config.write_text(base)
    out = tmp_path / 'sweep'
    calls = tmp_path / 'calls.txt'

    def sweep(**kw):
        trials = run_settings(str(config), [{'model.head.loss.loss_weight': 1.0}], out,
                              python=fake_python, **kw)
        return trials[0].metrics['lt/mAP'], len(calls.read_text().splitlines())

    assert sweep() == (1.0, 1)
    assert sweep() == (1.0, 1)  # same config and options: reused
    config.write_text(base + "optim_wrapper = dict(optimizer=dict(lr=0.05))\n")
    assert sweep() == (2.0, 2)  # the config file was edited: run again
    assert ('its recorded run had another config or options (config.optim_wrapper.'
            'optimizer.lr: 0.01 -> 0.05): running it again') in capsys.readouterr().out
    assert sweep(cfg_options={'train_cfg.max_epochs': 1}) == (3.0, 3)  # other options
    assert sweep(cfg_options={'train_cfg.max_epochs': 1}) == (3.0, 3)
    (trial_dir, ) = out.glob('*/seed0')
    assert json.loads((trial_dir / 'sweep_trial.json').read_text())['metrics'] == {
        'lt/mAP': 3.0}


def fewshot_args(config: Path, work: Path, *options: str):
    return fewshot.parse_args([str(config), '--shots', '1', '--episodes', '1',
                               '--work-dir', str(work), '--cfg-options',
                               'train_dataloader.dataset.data_root=somewhere', *options])


def test_fewshot_refuses_to_mix_runs(tmp_path):
    config = tmp_path / 'fs.py'
    base = (f"_base_ = ['{FIXTURES / 'tiny_fewshot_coop.py'}']\n"
            f"fewshot = dict(base_stages=['{FIXTURES / 'tiny_fewshot_base.py'}'])\n")
    config.write_text(base)
    work = tmp_path / 'work'
    work.mkdir()
    # A finished run: its key recorded, one episode done.
    args = fewshot_args(config, work)
    cfg = load_config(args.config, args.cfg_options, args.work_dir)
    key = fewshot.check_run_key(work, fewshot.fewshot_record(cfg, args))
    assert json.loads((work / fewshot.RUN_FILE).read_text())['key'] == key
    (work / '1shot').mkdir()
    (work / '1shot' / 'episodes.csv').write_text('shots,episode\n1,1\n')
    assert fewshot.check_run_key(work, fewshot.fewshot_record(cfg, args)) == key

    with pytest.raises(fewshot.FewShotRunMismatchError) as info:  # other options
        fewshot.run_fewshot(fewshot_args(config, work, 'train_cfg.max_epochs=3'))
    msg = str(info.value)
    assert msg.startswith(f'{work} holds few-shot results of another run (run key {key} '
                          f'in {work / fewshot.RUN_FILE}; this run: ')
    assert 'config.train_cfg.max_epochs: 2 -> 3' in msg
    assert 'pass another --work-dir, or delete' in msg

    config.write_text(base + 'train_cfg = dict(max_epochs=4)\n')  # the file edited
    with pytest.raises(fewshot.FewShotRunMismatchError,
                       match='config.train_cfg.max_epochs: 2 -> 4'):
        fewshot.run_fewshot(fewshot_args(config, work))
    config.write_text(base)
    # the base stages' options are part of the run too
    with pytest.raises(fewshot.FewShotRunMismatchError,
                       match=r'options\.base_stages\.0\.train_cfg\.max_epochs: 1 -> 3'):
        fewshot.run_fewshot(fewshot_args(config, work, '--base-cfg-options',
                                         'train_cfg.max_epochs=3'))

    (work / fewshot.RUN_FILE).unlink()  # results without a recorded key
    with pytest.raises(fewshot.FewShotRunMismatchError,
                       match=r'holds few-shot results \(1shot/episodes.csv\) but no '
                       'fewshot_run.json'):
        fewshot.run_fewshot(fewshot_args(config, work))
    assert not (work / 'run.lock').exists()
