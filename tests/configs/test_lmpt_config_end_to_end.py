"""The user's entry point, end to end: ``tools/train.py configs/lmpt_voc_lt.py`` on a
tiny world in VOC-LT's file formats with a tiny CLIP model.

Checks what the build test cannot: the Runner accepts the config (optimizer, cosine
schedule, hooks, evaluator), captions reach LMPT's head through the pipeline, and the
class statistics arrive through ClassStatsHook. (tools/test.py and metrics.json are
covered by tests/tools.)
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.config import Config
from PIL import Image

REPO = Path(__file__).resolve().parents[2]
CONFIG = 'configs/lmpt_voc_lt.py'
METRIC_KEYS = {'lt/mAP', 'lt/mAP_head', 'lt/mAP_medium', 'lt/mAP_tail', 'lt/var'}


def write_voc_format_world(root: Path, classes, num_train=24, num_test=20, seed=0):
    """``voc_labels.txt``, ``voc_lt_{train,test}.txt``, ``voc_lt_captions.txt`` and
    32px images; every class has train and test positives."""
    rng = np.random.default_rng(seed)
    (root / 'img').mkdir(parents=True)
    (root / 'voc_labels.txt').write_text(
        ''.join(f'{name} {i}\n' for i, name in enumerate(classes)))
    captions = []
    for split, count in (('train', num_train), ('test', num_test)):
        lines = []
        for k in range(count):
            labels = sorted({k % len(classes), int(rng.integers(len(classes)))})
            rel = f'img/{split}_{k:03d}.png'
            Image.fromarray(rng.integers(0, 255, (32, 32, 3), dtype=np.uint8)).save(
                root / rel)
            lines.append(f'{rel} ' + ' '.join(map(str, labels)))
            if split == 'train':
                captions.append(f'{rel} a photo of a ' +
                                ' and a '.join(classes[i] for i in labels))
        (root / f'voc_lt_{split}.txt').write_text('\n'.join(lines) + '\n')
    (root / 'voc_lt_captions.txt').write_text('\n'.join(captions) + '\n')
    return root


def tiny_options(data_root: Path):
    opts = [f'{part}.arch=lmpt-tiny-vit' for part in ('model.backbone', 'model.head')]
    opts += [f'{part}.pretrained=None' for part in ('model.backbone', 'model.head')]
    opts += ['train_cfg.max_epochs=1', 'param_scheduler.T_max=1',
             # the tiny CLIP model takes 32px images
             'train_dataloader.dataset.pipeline.1.scale=(32,32)',
             'test_dataloader.dataset.pipeline.1.scale=(32,32)',
             'val_dataloader.dataset.pipeline.1.scale=(32,32)']
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        opts += [f'{loader}.dataset.data_root={data_root}', f'{loader}.batch_size=8',
                 f'{loader}.num_workers=0']
    return ['--cfg-options', *opts]


def run(args):
    env = dict(os.environ, PYTHONUNBUFFERED='1', OMP_NUM_THREADS='1')
    proc = subprocess.run([sys.executable, *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        raise AssertionError(f'{args[:2]} failed:\n{proc.stdout[-3000:]}\n'
                             f'{proc.stderr[-5000:]}')
    return proc


@pytest.mark.filterwarnings('ignore::UserWarning')
def test_lmpt_entry_point_trains_and_tests(tmp_path):
    classes = list(Config.fromfile(str(REPO / CONFIG)).class_names)
    world = write_voc_format_world(tmp_path / 'voc', classes)
    work_dir = tmp_path / 'work'
    options = tiny_options(world)
    proc = run(['tools/train.py', CONFIG, '--work-dir', str(work_dir), *options])
    log = proc.stdout + proc.stderr
    assert 'ClassStatsHook: class statistics of 20 classes' in log

    ckpt = torch.load(work_dir / 'epoch_1.pth', weights_only=True)
    # LMPT's class-specific contexts: [C, n_ctx, width]
    ctx_keys = [k for k in ckpt['state_dict'] if k.endswith('prompt_learner.ctx')]
    assert ctx_keys == ['head.prompt_learner.ctx']
    assert ckpt['state_dict']['head.prompt_learner.ctx'].shape[:2] == (20, 16)
    scalars = [json.loads(line) for line in next(work_dir.glob(
        '*/vis_data/scalars.json')).read_text().splitlines()]
    train_records = [r for r in scalars if 'loss_cse' in r]
    assert train_records and all(np.isfinite(r['loss_db']) and np.isfinite(r['loss_cse'])
                                 for r in train_records)

    # the final epoch is always evaluated (here the only one): group mAP logged
    # (the tiny world's classes are all 'tail' at the real thresholds: groups without
    # a class are omitted by the metric)
    val_records = [r for r in scalars if 'lt/mAP' in r]
    assert len(val_records) == 1
    logged = set(val_records[0]) & METRIC_KEYS
    assert {'lt/mAP', 'lt/mAP_tail'} <= logged
    assert all(0.0 <= val_records[0][k] <= 100.0 for k in logged if k != 'lt/var')
    assert val_records[0]['lt/var'] >= 0.0  # %^2: may exceed 100
