"""tools/sweep.py end to end on the tiny LMPT config (cached features, 1 epoch).

Reusing finished trials and re-running changed ones: tests/cli/test_run_keys.py.
"""
import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / 'tests' / 'fixtures' / 'tiny_lmpt_lt.py'


@pytest.fixture(scope='module')
def world_with_val(tiny_lt_world, tmp_path_factory) -> Path:
    """The tiny world plus a validation list (train images: disjoint from test)."""
    root = tmp_path_factory.mktemp('sweep_world')
    shutil.copytree(tiny_lt_world, root, dirs_exist_ok=True)
    lines = (root / 'train.txt').read_text().splitlines()
    (root / 'val.txt').write_text('\n'.join(lines[:8]) + '\n')
    return root


def sweep(work_dir: Path, root: Path, *extra: str) -> subprocess.CompletedProcess:
    options = [f'{loader}.dataset.data_root={root}'
               for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader')]
    args = [sys.executable, 'tools/sweep.py', str(CONFIG), '--grid',
            'optim_wrapper.optimizer.lr=0.0,0.05', '--seeds', '0', '1', '--split', 'val',
            '--work-dir', str(work_dir), '--cfg-options', *options,
            'val_dataloader.dataset.ann_file=val.txt', 'train_cfg.max_epochs=1',
            'train_cfg.val_interval=1',
            # contexts from words, not from the seed: at lr 0 the seed cannot matter
            "model.head.prompt_learner.ctx_init='a photo of a'", *extra]
    env = dict(os.environ, PYTHONUNBUFFERED='1', OMP_NUM_THREADS='1')
    proc = subprocess.run(args, cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    return proc


def test_sweep_runs_grid_writes_csv_and_names_best(world_with_val, tmp_path):
    proc = sweep(tmp_path, world_with_val)
    with open(tmp_path / 'sweep.csv', newline='') as f:
        runs = list(csv.DictReader(f))
    assert [(r['optim_wrapper.optimizer.lr'], r['seed']) for r in runs] == [
        ('0.0', '0'), ('0.0', '1'), ('0.05', '0'), ('0.05', '1')]
    # scored on the validation list: 8 images, logged by each run's validation
    for r in runs:
        log = next(Path(r['work_dir']).glob('*/*.log')).read_text()
        assert 'GroupAveragePrecision on 8 images' in log
    # lr 0: the prompts never leave their (word) init, so the seeds cannot change the
    # score
    assert runs[0]['mAP'] == runs[1]['mAP']
    with open(tmp_path / 'sweep_summary.csv', newline='') as f:
        summary = list(csv.DictReader(f))
    assert [float(s['mAP_std']) for s in summary][0] == 0.0
    means = [float(s['mAP']) for s in summary]
    assert means[1] == pytest.approx((float(runs[2]['mAP']) + float(runs[3]['mAP'])) / 2,
                                     abs=1e-4)
    best = json.loads((tmp_path / 'best.json').read_text())
    assert best['split'] == 'val' and best['seeds'] == [0, 1]
    assert best['setting'] == {'optim_wrapper.optimizer.lr': [0.0, 0.05][
        means.index(max(means))]}
    assert '[sweep] best on val:' in proc.stdout
