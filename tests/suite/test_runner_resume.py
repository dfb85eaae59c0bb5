"""A validation-split run stopped after saving its last epoch but before validating it:
resuming trains nothing and validates nothing, so the runner runs it again."""
import json
import sys
from pathlib import Path

from lmpt_mm.suite import Launcher, SuiteRunner, suite_from_dict

# Stands in for tools/train.py: the first call saves the last epoch and dies before
# validating; a resumed call (MMEngine at max_epochs) does nothing; a fresh call
# trains and validates.
FAKE_TRAIN = '''\
import json, sys
from pathlib import Path
args = sys.argv[1:]
wd = Path(args[args.index('--work-dir') + 1])
calls = Path(CALLS)
n = len(calls.read_text().splitlines()) if calls.exists() else 0
with open(calls, 'a') as f:
    f.write(' '.join(args) + '\\n')
wd.mkdir(parents=True, exist_ok=True)
(wd / 'epoch_2.pth').write_bytes(b'w')
(wd / 'last_checkpoint').write_text(str(wd / 'epoch_2.pth'))
if n == 0:
    sys.exit('killed before the final validation')
if '--resume' not in args:
    scalars = wd / '20240101_000000' / 'vis_data' / 'scalars.json'
    scalars.parent.mkdir(parents=True, exist_ok=True)
    scalars.write_text(json.dumps({'lt/mAP': 42.0, 'step': 2}) + '\\n')
'''


def test_a_resumed_run_without_its_final_validation_runs_again(tmp_path):
    config = tmp_path / 'a.py'
    config.write_text('model = dict(x=1)\n')
    calls = tmp_path / 'calls.txt'
    fake = tmp_path / 'fake_python'
    fake.write_text(f'#!{sys.executable}\nCALLS = {str(calls)!r}\n' + FAKE_TRAIN)
    fake.chmod(0o755)
    suite = suite_from_dict(dict(title='t', work_dir=str(tmp_path / 'w'), split='val',
                                 methods=[dict(name='A', stages=[dict(config=str(config))])]))
    launcher = Launcher(python=str(fake))
    first = SuiteRunner(suite, launcher, print_fn=lambda line: None).run()
    assert [o.status for o in first.outcomes] == ['failed']
    lines = []
    second = SuiteRunner(suite, launcher, print_fn=lines.append).run()
    assert [o.status for o in second.outcomes] == ['done']
    argv = calls.read_text().splitlines()
    assert len(argv) == 3 and '--resume' in argv[1] and '--resume' not in argv[2]
    assert any('without the final validation' in line for line in lines)
    record = json.loads((tmp_path / 'w' / 'a' / 'a' / 'suite_run.json').read_text())
    assert record['train']['finished'] is True


def test_a_run_recorded_finished_without_its_validation_is_not_skipped(tmp_path):
    """(A run finished by an earlier runner that did not check.)"""
    config = tmp_path / 'a.py'
    config.write_text('model = dict(x=1)\n')
    calls = tmp_path / 'calls.txt'
    calls.write_text('an earlier call\n')  # the fake's next calls save and validate
    fake = tmp_path / 'fake_python'
    fake.write_text(f'#!{sys.executable}\nCALLS = {str(calls)!r}\n' + FAKE_TRAIN)
    fake.chmod(0o755)
    suite = suite_from_dict(dict(title='t', work_dir=str(tmp_path / 'w'), split='val',
                                 methods=[dict(name='A', stages=[dict(config=str(config))])]))
    runner = SuiteRunner(suite, Launcher(python=str(fake)), print_fn=lambda line: None)
    assert [o.status for o in runner.run().outcomes] == ['done']
    wd = tmp_path / 'w' / 'a' / 'a'
    for scalars in wd.glob('*/vis_data/scalars.json'):  # its validation lost
        scalars.unlink()
    again = SuiteRunner(suite, Launcher(python=str(fake)), print_fn=lambda line: None)
    assert [o.status for o in again.run().outcomes] == ['done']
    assert len(list(wd.glob('*/vis_data/scalars.json'))) == 1
