"""The offline demo end to end, reduced (configs/suites/offline_demo_reduced.py: a
smaller world, a 100-step small CLIP, one seed, short schedules), through
tools/run_suite.py as `make demo` runs the full one: world -> small CLIP -> every
offline config through tools/train.py and tools/test.py -> comparison tables.

It asserts what holds for any small CLIP the pretraining could produce (another CPU
type orders float sums differently and gets another CLIP): every run trained and
tested, the tables complete. Resuming, skipping finished runs and the same run twice
giving the same metrics are tested on a tiny suite (tests/tools/test_run_suite_tool.py).
Which method beats which is a claim of the full demo over several CLIPs, not of this
test.
"""
import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SUITE = 'configs/suites/offline_demo_reduced.py'
METHODS = ['Zero-shot CLIP', 'CoOp', 'CoCoOp', 'DualCoOp', 'LMPT', 'HP-DVAL',
           'HP-DVAL (code form)', 'ERM', 'LTML']
# The longest file of the suite: `make test` starts it first (tests/conftest.py).
pytestmark = pytest.mark.critical_path


def run_suite(env: dict, *args: str) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, 'tools/run_suite.py', SUITE, *args], cwd=REPO,
                          env=env, capture_output=True, text=True, timeout=1500)
    if proc.returncode != 0:
        raise AssertionError(f'run_suite failed:\n{proc.stdout[-4000:]}\n'
                             f'{proc.stderr[-4000:]}')
    return proc


@pytest.fixture(scope='module')
def demo(tmp_path_factory, long_tool_env) -> Path:
    out = tmp_path_factory.mktemp('demo_reduced')
    env = dict(long_tool_env, PYTHONUNBUFFERED='1')
    run_suite(env, '--work-dir', str(out))
    return out


def read_rows(out: Path) -> dict:
    with open(out / 'comparison.csv') as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == ['method', 'mAP', 'mAP_head', 'mAP_medium', 'mAP_tail',
                                     'var', 'stale']
        rows = list(reader)
    assert all(row['stale'] == 'False' for row in rows), rows  # every run freshly tested
    return {row['method']: {k: float(v) for k, v in row.items() if k not in ('method',
                                                                          'stale')}
            for row in rows}


def test_demo_writes_tables_csv_and_plots(demo):
    out = demo
    rows = read_rows(out)
    assert list(rows) == METHODS
    for method, values in rows.items():
        assert all(0.0 < v <= 100.0 for k, v in values.items() if k != 'var'), (method,
                                                                             values)
        assert values['var'] >= 0.0, (method, values)  # %^2: may exceed 100
    markdown = (out / 'comparison.md').read_text()
    assert all(f'| {m} |' in markdown for m in METHODS)
    assert '## Over seeds (0; trained methods)' in markdown  # reduced: one seed
    assert (out / 'comparison_seeds.csv').is_file()
    groups = (out / 'comparison_groups.md').read_text()
    assert '| LMPT | Zero-shot CLIP | 1 |' in groups and '| LMPT | CoOp | 1 |' in groups
    for png in ('comparison.png', 'comparison_seeds.png'):
        data = (out / png).read_bytes()
        assert data[:8] == b'\x89PNG\r\n\x1a\n' and len(data) > 10_000


def test_every_run_was_tested_with_the_sigmoid_protocol(demo):
    out = demo
    records = [json.loads(p.read_text()) for p in out.glob('*/*/metrics.json')]
    # a config names its method family: both HP-DVAL forms are 'HP-DVAL'
    family = {'HP-DVAL (code form)': 'HP-DVAL'}
    assert sorted(r['method'] for r in records) == sorted(family.get(m, m) for m in METHODS)
    assert {r['protocol'] for r in records} == {'sigmoid'}
    # Per-class tables feed the plot's AP-against-train-frequency panel.
    assert len(list(out.glob('*/*/lt_per_class_ap.csv'))) == len(METHODS)
    # HP-DVAL's second stage started from its first stage's checkpoint.
    log = (out / 'hp-dval' / 'hpdval-stage2_synth-vit_synth-lt_seed0' /
           'suite_train.log').read_text()
    assert 'hp-dval/hpdval-stage1_synth-vit_synth-lt/epoch_' in log
    # the small CLIP and the schedules really are the reduced ones
    assert json.loads((out / 'clip_synth.pt.json').read_text())['steps'] == 100

    def epochs(run: str) -> int:
        record = json.loads((out / run / 'suite_run.json').read_text())
        return record['train']['resolved']['config']['train_cfg']['max_epochs']
    assert epochs('coop/coop_synth-vit_synth-lt_seed0') == 2
    assert epochs('erm/resnet18_erm_synth-lt_seed0') == 1  # trains on images

