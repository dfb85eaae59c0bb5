"""The offline demo end to end, reduced (fewer images, steps and epochs), as `make
demo` runs it: world -> small CLIP -> every offline config through tools/train.py and
tools/test.py -> comparison table."""
import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
METHODS = ['Zero-shot CLIP', 'CoOp', 'DualCoOp', 'LMPT', 'HP-DVAL', 'ERM', 'DB-Focal']
# Prompt tuning from the zero-shot prompt beats zero-shot for these two on the
# offline world (full demo, seed 0: CoOp +5.05, LMPT +4.23 mAP; prompt runs keep their
# full schedule in the reduced demo). DualCoOp (16 random context tokens) ends below
# zero-shot in the full demo too, and HP-DVAL's stage 1 is cut to one epoch here: both
# are reported, not asserted (README, offline demo).
TUNED = ['CoOp', 'LMPT']
# The longest file of the suite: `make test` starts it first (tests/conftest.py).
pytestmark = pytest.mark.critical_path


@pytest.fixture(scope='module')
def demo_dir(tmp_path_factory, long_tool_env) -> Path:
    out = tmp_path_factory.mktemp('demo_reduced')
    env = dict(long_tool_env, PYTHONUNBUFFERED='1')
    proc = subprocess.run([sys.executable, 'tools/demo.py', '--reduced', '--out-dir',
                           str(out)], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=1500)
    if proc.returncode != 0:
        raise AssertionError(f'demo failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}')
    return out


def read_rows(demo_dir: Path) -> dict:
    with open(demo_dir / 'comparison.csv') as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == ['method', 'mAP', 'mAP_head', 'mAP_medium', 'mAP_tail',
                                     'var', 'stale']
        rows = list(reader)
    assert all(row['stale'] == 'False' for row in rows), rows  # every run freshly tested
    return {row['method']: {k: float(v) for k, v in row.items() if k not in ('method',
                                                                          'stale')}
            for row in rows}


def test_demo_writes_table_csv_and_plot(demo_dir):
    rows = read_rows(demo_dir)
    assert list(rows) == METHODS
    for method, values in rows.items():
        assert all(0.0 < v <= 100.0 for k, v in values.items() if k != 'var'), (method,
                                                                             values)
        assert values['var'] >= 0.0, (method, values)  # %^2: may exceed 100
    markdown = (demo_dir / 'comparison.md').read_text()
    assert all(f'| {m} |' in markdown for m in METHODS)
    assert '## Over seeds (0; trained methods)' in markdown  # reduced: one seed
    assert (demo_dir / 'comparison_seeds.csv').is_file()
    png = (demo_dir / 'comparison.png').read_bytes()
    assert png[:8] == b'\x89PNG\r\n\x1a\n' and len(png) > 10_000


def test_every_run_was_tested_with_the_sigmoid_protocol(demo_dir):
    records = [json.loads(p.read_text()) for p in demo_dir.glob('*/metrics.json')]
    assert sorted(r['method'] for r in records) == sorted(METHODS)
    assert {r['protocol'] for r in records} == {'sigmoid'}
    # Per-class tables feed the plot's AP-against-train-frequency panel.
    assert len(list(demo_dir.glob('*/lt_per_class_ap.csv'))) == len(METHODS)
    # HP-DVAL's second stage started from its first stage's checkpoint.
    log = (demo_dir / 'logs' / 'hpdval-stage2_synth-vit_synth-lt.train.log').read_text()
    assert 'hpdval-stage1_synth-vit_synth-lt/epoch_' in log


def test_prompt_tuning_beats_zero_shot(demo_dir):
    rows = read_rows(demo_dir)
    zero_shot = rows['Zero-shot CLIP']['mAP']
    for method in TUNED:
        assert rows[method]['mAP'] > zero_shot, (method, rows[method], zero_shot)
