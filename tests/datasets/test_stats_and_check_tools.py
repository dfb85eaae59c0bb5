"""tools/dataset_stats.py and tools/prepare_data.py --check (thin CLIs)."""
import importlib.util
import json
import pickle
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image


def _tool(repo_root, name):
    spec = importlib.util.spec_from_file_location(
        f'_tool_{name}', repo_root / 'tools' / f'{name}.py')
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_dataset_stats_custom(repo_root, tiny_lt, tmp_path, capsys):
    out = tmp_path / 'stats'
    rc = _tool(repo_root, 'dataset_stats').main([
        '--dataset', 'custom', '--data-root', str(tiny_lt), '--ann-file',
        'tiny_train.txt', '--label-file', 'tiny_labels.txt', '--head-thr', '3',
        '--tail-thr', '2', '--out-dir', str(out)
    ])
    assert rc == 0
    printed = capsys.readouterr().out
    assert 'blue bird' in printed and 'groups: head 1, medium 1, tail 1' in printed
    js = json.loads((out / 'class_stats.json').read_text())
    assert js['class_freq'] == [2, 3, 1]
    assert js['class_groups'] == {'head': [1], 'medium': [0], 'tail': [2]}
    # JSON is the stats_file format the tool points to; its pickle reads the same
    # through the losses' restricted unpickler.
    from lmpt_mm.datasets.class_stats import load_class_stats
    assert f"use stats_file='{out / 'class_stats.json'}'" in printed
    assert load_class_stats(out / 'class_stats.json')[0].tolist() == \
        load_class_stats(out / 'class_freq.pkl')[0].tolist() == [2, 3, 1]
    with open(out / 'class_freq.pkl', 'rb') as f:
        pkl = pickle.load(f)
    assert pkl['class_freq'].tolist() == [2, 3, 1]
    assert pkl['gt_labels'].tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 1],
                                         [0, 1, 0]]
    assert pkl['condition_prob'][1].tolist() == pytest.approx([1 / 3, 1, 0])
    with Image.open(out / 'class_freq.png') as im:
        assert im.size[0] > 100 and im.size[1] > 100


def test_dataset_stats_voc_matches_db_loss_pickle(repo_root, lt_ann_root,
                                                  tmp_path):
    ref_path = (lt_ann_root.parent / 'db_loss_stats' /
                'VOCdevkit_longtail2012_class_freq.pkl')
    if not ref_path.is_file():
        pytest.skip(f'{ref_path} not found')
    out = tmp_path / 'voc'
    assert _tool(repo_root, 'dataset_stats').main([
        '--dataset', 'voc', '--split', 'test', '--data-root',
        str(lt_ann_root / 'voc'), '--out-dir', str(out)
    ]) == 0
    with open(out / 'class_freq.pkl', 'rb') as f:
        ours = pickle.load(f)
    with open(ref_path, 'rb') as f:
        ref = pickle.load(f)
    for key in ('class_freq', 'neg_class_freq'):
        np.testing.assert_array_equal(ours[key], ref[key])
    np.testing.assert_allclose(ours['condition_prob'], ref['condition_prob'])
    js = json.loads((out / 'class_stats.json').read_text())
    assert js['group_sizes'] == {'head': 6, 'medium': 6, 'tail': 8}


def _images_with_problems(root):
    (root / 'imgs').mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.zeros((3, 3, 3), np.uint8)).save(root / 'imgs' / 'a.png')
    Image.fromarray(np.ones((3, 3, 3), np.uint8)).save(root / 'imgs' / 'b.png')
    (root / 'imgs' / 'c.png').write_bytes(b'\x89PNG\r\n\x1a\n not really')
    # d.png missing


def test_prepare_data_check_reports_problems(repo_root, tiny_lt, capsys):
    _images_with_problems(tiny_lt)
    rc = _tool(repo_root, 'prepare_data').main([
        '--check', '--dataset', 'custom', '--data-root', str(tiny_lt),
        '--ann-file', 'tiny_train.txt', '--label-file', 'tiny_labels.txt',
        '--no-progress'
    ])
    out = capsys.readouterr().out
    assert rc == 1
    assert 'checked 4 images: 2 ok, 1 missing, 1 undecodable' in out
    assert 'missing: ' in out and 'imgs/d.png' in out
    assert 'undecodable: ' in out and 'imgs/c.png' in out


def test_prepare_data_check_cli_ok(repo_root, tiny_lt, write_text):
    """The real entry point: exit 0, progress bar on stderr."""
    _images_with_problems(tiny_lt)
    write_text(tiny_lt / 'ok.txt', 'imgs/a.png 0\nimgs/b.png 1\n')
    proc = subprocess.run([
        sys.executable, 'tools/prepare_data.py', '--check', '--dataset', 'custom',
        '--data-root', str(tiny_lt), '--ann-file', 'ok.txt', '--label-file',
        'tiny_labels.txt'
    ], cwd=repo_root, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert '2 ok, 0 missing, 0 undecodable' in proc.stdout
    assert 'all images ok' in proc.stdout
    assert '2/2' in proc.stderr  # tqdm progress bar


def test_tools_from_config(repo_root, tiny_lt, tmp_path, capsys):
    """Config mode: the train dataloader's dataset (pipeline stripped)."""
    _images_with_problems(tiny_lt)
    cfg = tmp_path / 'tiny_cfg.py'
    cfg.write_text(
        "custom_imports = dict(imports=['lmpt_mm'], allow_failed_imports=False)\n"
        "default_scope = 'mmpretrain'\n"
        f"data_root = {str(tiny_lt)!r}\n"
        "common = dict(type='LTMultiLabelDataset', data_root=data_root,\n"
        "              label_file='tiny_labels.txt', train_ann_file='tiny_train.txt',\n"
        "              head_thr=3, tail_thr=2,\n"
        "              pipeline=[dict(type='NoSuchTransform')])\n"
        "train_dataloader = dict(batch_size=2, dataset=dict(\n"
        "    type='RepeatDataset', times=2,\n"
        "    dataset=dict(common, ann_file='tiny_train.txt')))\n"
        "test_dataloader = dict(batch_size=2,\n"
        "    dataset=dict(common, ann_file='tiny_test.txt'))\n")
    out = tmp_path / 'stats'
    assert _tool(repo_root, 'dataset_stats').main(
        [str(cfg), '--out-dir', str(out)]) == 0
    js = json.loads((out / 'class_stats.json').read_text())
    assert js['class_freq'] == [2, 3, 1] and js['head_thr'] == 3
    capsys.readouterr()
    assert _tool(repo_root, 'prepare_data').main(
        ['--check', str(cfg), '--no-progress']) == 1
    printed = capsys.readouterr().out
    assert '[train_dataloader]' in printed and '[test_dataloader]' in printed
    assert '0 ok, 3 missing' in printed  # t1..t3 absent
