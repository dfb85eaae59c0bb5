"""End to end through the real entry points: train, test, resume, two processes."""
import csv
import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / 'tests' / 'fixtures' / 'tiny_resnet_lt.py'
METRIC_KEYS = {'lt/mAP', 'lt/mAP_head', 'lt/mAP_medium', 'lt/mAP_tail', 'lt/var'}


def data_root_options(root: Path) -> list[str]:
    return ['--cfg-options'] + [
        f'{loader}.dataset.data_root={root}'
        for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader')
    ]


def run_tool(args: list[str], env: dict | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ if env is None else env, PYTHONUNBUFFERED='1',
               OMP_NUM_THREADS='1')
    proc = subprocess.run(args, cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=600)
    if proc.returncode != 0:
        raise AssertionError(f'{" ".join(args)} failed ({proc.returncode}):\n'
                             f'{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}')
    return proc


def train(work_dir: Path, data_root: Path, *extra: str) -> subprocess.CompletedProcess:
    return run_tool([sys.executable, 'tools/train.py', str(CONFIG), '--work-dir',
                     str(work_dir), *extra, *data_root_options(data_root)])


def val_metric_keys(work_dir: Path) -> set[str]:
    """Metric keys of the validation records in MMEngine's scalars log."""
    keys = set()
    for path in work_dir.glob('*/vis_data/scalars.json'):
        for line in path.read_text().splitlines():
            record = json.loads(line)
            keys |= {k for k in record if k.startswith('lt/')}
    return keys


@pytest.fixture(scope='module')
def trained_run(tiny_lt_world, tmp_path_factory) -> Path:
    work_dir = tmp_path_factory.mktemp('train_run')
    train(work_dir, tiny_lt_world)
    return work_dir


def test_train_writes_weights_only_checkpoints(trained_run):
    for epoch in (1, 2):
        ckpt = torch.load(trained_run / f'epoch_{epoch}.pth', weights_only=True)
        assert ckpt['meta']['epoch'] == epoch
        assert 'message_hub' in ckpt and 'optimizer' in ckpt
    assert val_metric_keys(trained_run) == METRIC_KEYS


def test_test_tool_evaluates_checkpoint(trained_run, tiny_lt_world, tmp_path):
    out = tmp_path / 'preds.pkl'
    run_tool([sys.executable, 'tools/test.py', str(CONFIG),
              str(trained_run / 'epoch_2.pth'), '--work-dir', str(tmp_path),
              '--out', str(out), *data_root_options(tiny_lt_world)])
    metrics = json.loads((tmp_path / 'metrics.json').read_text())
    assert METRIC_KEYS <= set(metrics)
    assert all(0.0 <= metrics[k] <= 100.0 for k in METRIC_KEYS - {'lt/var'})
    assert 0.0 <= metrics['lt/var'] <= 50.0 ** 2  # variance of APs in [0, 100], in %^2
    assert metrics['protocol'] == 'sigmoid'
    assert out.is_file() and out.stat().st_size > 0
    with open(tmp_path / 'lt_per_class_ap.csv') as f:
        rows = list(csv.DictReader(f))
    assert [r['class_name'] for r in rows] == ['dog', 'cat', 'car', 'tree']
    assert [int(r['train_freq']) for r in rows] == [8, 9, 5, 6]
    ap = [float(r['ap']) for r in rows]
    assert sum(ap) / len(ap) == pytest.approx(metrics['lt/mAP'], abs=1e-3)
    mean = sum(ap) / len(ap)  # lt/var: population variance of the per-class AP (%^2)
    assert sum((a - mean) ** 2 for a in ap) / len(ap) == pytest.approx(
        metrics['lt/var'], abs=1e-2)


def test_resume_auto_matches_uninterrupted_run(trained_run, tiny_lt_world, tmp_path):
    # Simulate a run that died during epoch 2: only epoch 1 was saved.
    work_dir = tmp_path / 'interrupted'
    work_dir.mkdir()
    shutil.copy(trained_run / 'epoch_1.pth', work_dir / 'epoch_1.pth')
    (work_dir / 'last_checkpoint').write_text(str(work_dir / 'epoch_1.pth'))
    proc = train(work_dir, tiny_lt_world, '--resume', 'auto')
    assert 'resumed epoch: 1' in proc.stdout + proc.stderr
    resumed = torch.load(work_dir / 'epoch_2.pth', weights_only=True)
    straight = torch.load(trained_run / 'epoch_2.pth', weights_only=True)
    assert resumed['state_dict'].keys() == straight['state_dict'].keys()
    for key, value in straight['state_dict'].items():
        assert torch.equal(resumed['state_dict'][key], value), key
    assert resumed['meta']['iter'] == straight['meta']['iter']


def test_foreign_pickled_checkpoint_needs_explicit_opt_in(trained_run, tiny_lt_world,
                                                          tmp_path):
    import numpy as np
    ckpt = torch.load(trained_run / 'epoch_2.pth', weights_only=True)
    ckpt['meta']['foreign'] = np.arange(3)  # as plain MMEngine checkpoints carry
    foreign = tmp_path / 'foreign.pth'
    torch.save(ckpt, foreign)
    args = [sys.executable, 'tools/test.py', str(CONFIG), str(foreign), '--work-dir',
            str(tmp_path), *data_root_options(tiny_lt_world)]
    with pytest.raises(AssertionError, match='--unsafe-load'):
        run_tool(args)
    run_tool(args[:4] + ['--unsafe-load'] + args[4:])
    assert METRIC_KEYS <= set(json.loads((tmp_path / 'metrics.json').read_text()))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def test_two_process_cpu_training_and_testing(tiny_lt_world, tmp_path):
    """Two-process (gloo) training of the cached LMPT config: each rank encodes its
    share, every rank trains on the whole gathered cache; then two-process testing of
    its checkpoint scores each image once (the same metrics as one process)."""
    config = str(REPO / 'tests' / 'fixtures' / 'tiny_lmpt_lt.py')
    env = dict(os.environ, PYTHON=sys.executable, PORT=str(free_port()))
    work_dir = tmp_path / 'dist'
    proc = run_tool(['bash', 'tools/dist_train.sh', config, '2', '--work-dir',
                     str(work_dir), *data_root_options(tiny_lt_world)], env=env)
    log = proc.stdout + proc.stderr
    assert 'rank 0 of 2 encodes its share' in log
    assert 'training on cached image features' in log
    (cache_file, ) = (work_dir / 'feature_cache').glob('*.pt')  # written by rank 0 only
    cache = torch.load(cache_file, weights_only=True)
    assert cache['num_samples'] == 16 and cache['flips'] == [False, True]
    for view in cache['views']:
        assert view[0].shape[0] == 16 and torch.isfinite(view[0]).all()
        assert view[0].abs().sum(dim=1).gt(0).all()  # every image's row was filled
    ckpt = torch.load(work_dir / 'epoch_3.pth', weights_only=True)
    assert ckpt['meta']['epoch'] == 3
    assert val_metric_keys(work_dir) == METRIC_KEYS

    env['PORT'] = str(free_port())
    run_tool(['bash', 'tools/dist_test.sh', config, str(work_dir / 'epoch_3.pth'), '2',
              '--work-dir', str(tmp_path / 'dist_test'), *data_root_options(tiny_lt_world)],
             env=env)
    run_tool([sys.executable, 'tools/test.py', config, str(work_dir / 'epoch_3.pth'),
              '--work-dir', str(tmp_path / 'single_test'), *data_root_options(tiny_lt_world)])
    dist = json.loads((tmp_path / 'dist_test' / 'metrics.json').read_text())
    single = json.loads((tmp_path / 'single_test' / 'metrics.json').read_text())
    for key in METRIC_KEYS:
        assert dist[key] == pytest.approx(single[key], abs=1e-6), key


# -- tools/test.py CONFIG none initialises the model as training would ---------------
# HP-DVAL's stage-1 student ends in a residual embedding neck whose output layer
# init_weights() zeroes, so at alpha=1 (global view only) the untrained model scores
# exactly like zero-shot CLIP; with PyTorch's default init of that layer it does not.
OFFLINE = REPO / 'configs' / 'offline'
TINY_CLASSES = '[dog,cat,car,tree]'  # the tiny world's labels.txt


def tiny_offline_options(root: Path) -> list[str]:
    """The offline configs on the tiny world with the tiny CLIP (seeded random
    weights, identical in every module that loads it)."""
    data = dict(data_root=root, ann_file='test.txt', label_file='labels.txt',
                train_ann_file='train.txt')
    return [f'test_dataloader.dataset.{k}={v}' for k, v in data.items()] + [
        'test_dataloader.batch_size=4', 'test_evaluator.head_thr=8',
        'test_evaluator.tail_thr=6', 'model.backbone.arch=lmpt-tiny-vit',
        'model.backbone.pretrained=None', 'model.head.arch=lmpt-tiny-vit',
        'model.head.pretrained=None', f'model.head.classes={TINY_CLASSES}']


@pytest.fixture(scope='module')
def zero_shot(tiny_lt_world, tmp_path_factory) -> dict:
    work_dir = tmp_path_factory.mktemp('zeroshot')
    run_tool([sys.executable, 'tools/test.py',
              str(OFFLINE / 'zeroshot-clip_synth-vit_synth-lt.py'), 'none', '--work-dir',
              str(work_dir), '--cfg-options', *tiny_offline_options(tiny_lt_world)])
    return json.loads((work_dir / 'metrics.json').read_text())


def test_hpdval_stage1_without_checkpoint_at_alpha_1_is_zero_shot(
        zero_shot, tiny_lt_world, tmp_path):
    proc = run_tool([
        sys.executable, 'tools/test.py',
        str(OFFLINE / 'hpdval-stage1_synth-vit_synth-lt.py'), 'none', '--work-dir',
        str(tmp_path), '--cfg-options', *tiny_offline_options(tiny_lt_world),
        'model.head.alpha=1.0', 'model.head.local_topk=4',
        'model.teacher.arch=lmpt-tiny-vit', 'model.teacher.pretrained=None'])
    assert 'initialising HPDVALClassifier with its init_weights()' in (
        proc.stdout + proc.stderr)
    metrics = json.loads((tmp_path / 'metrics.json').read_text())
    keys = {k for k in zero_shot if k.startswith('lt/mAP')}
    assert keys >= {'lt/mAP', 'lt/mAP_tail'}
    for key in keys:
        assert metrics[key] == pytest.approx(zero_shot[key], abs=1e-9), key
