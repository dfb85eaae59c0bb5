"""HP-DVAL's two stages through tools/train.py on the tiny LT world.

The tiny configs inherit the paper-form ``configs/hpdval/hpdval-stage{1,2}_vit-b16_voc-lt_paper.py``
and swap in a 2-layer ViT student, lmpt_mm's tiny CLIP and the tiny data, so the
stages, losses, freezing and the stage-2 ``load_from`` are the real configs' own.
tools/train.py's ``main`` runs in this process (the same command line; no interpreter
and imports to start per stage).
"""
import importlib.util
import json
from pathlib import Path

import pytest
import torch

REPO = Path(__file__).resolve().parents[2]
CONFIGS = REPO / 'configs' / 'hpdval'
METRIC_KEYS = {'lt/mAP', 'lt/mAP_head', 'lt/mAP_medium', 'lt/mAP_tail', 'lt/var'}
CLASSES = ['dog', 'cat', 'car', 'tree']  # the tiny world's labels.txt

TINY_MODEL = """
model = dict(
    backbone=dict(_delete_=True, type='VisionTransformer', img_size=32, patch_size=8,
                  out_type='raw', arch=dict(embed_dims=64, num_layers=2, num_heads=2,
                                            feedforward_channels=128)),
    head=dict(arch='lmpt-tiny-vit', pretrained=None, classes={classes}, local_topk=4),
    {teacher})
"""
TINY_DATA = """
pipeline = [dict(type='LoadImageFromFile'), dict(type='PackInputs')]
tiny_dataset = dict(_delete_=True, type='LTMultiLabelDataset', data_root='set-by-test',
                    label_file='labels.txt', train_ann_file='train.txt',
                    pipeline=pipeline)
train_dataloader = dict(batch_size=4, num_workers=0, persistent_workers=False,
                        dataset=dict(tiny_dataset, ann_file='train.txt'))
val_dataloader = dict(batch_size=4, num_workers=0, persistent_workers=False,
                      dataset=dict(tiny_dataset, ann_file='test.txt'))
test_dataloader = val_dataloader
val_evaluator = dict(head_thr=8, tail_thr=6)  # groups of the tiny world's counts
test_evaluator = val_evaluator
train_cfg = dict(max_epochs=1, val_interval=1)
param_scheduler = dict(T_max=1)
auto_scale_lr = dict(base_batch_size=4)
default_hooks = dict(logger=dict(interval=1))
randomness = dict(seed=0, deterministic=True)
"""


def tiny_config(tmp: Path, real: str, stage: int) -> Path:
    teacher = ("teacher=dict(arch='lmpt-tiny-vit', pretrained=None)" if stage == 1
               else '')
    path = tmp / f'tiny_{Path(real).name}'
    path.write_text(f"_base_ = ['{CONFIGS / real}']\n"
                    + TINY_MODEL.format(classes=CLASSES, teacher=teacher) + TINY_DATA)
    return path


def train(config: Path, work_dir: Path, data_root: Path, *options: str) -> str:
    """``python tools/train.py CONFIG --work-dir W --cfg-options ...`` in process: the
    run's log text."""
    spec = importlib.util.spec_from_file_location('_tool_train', REPO / 'tools' / 'train.py')
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    # the configs' `randomness.deterministic` switches torch's global flag on: restored
    # for the tests that share this process
    deterministic = torch.are_deterministic_algorithms_enabled()
    try:
        tool.main([str(config), '--work-dir', str(work_dir), '--cfg-options', *options,
                   *(f'{loader}.dataset.data_root={data_root}' for loader in (
                       'train_dataloader', 'val_dataloader', 'test_dataloader'))])
    finally:
        torch.use_deterministic_algorithms(deterministic)
    return ''.join(p.read_text() for p in work_dir.glob('*/*.log'))


def val_metric_keys(work_dir: Path) -> set:
    keys = set()
    for path in work_dir.glob('*/vis_data/scalars.json'):
        for line in path.read_text().splitlines():
            keys |= {k for k in json.loads(line) if k.startswith('lt/')}
    return keys


def train_loss_keys(work_dir: Path) -> set:
    keys = set()
    for path in work_dir.glob('*/vis_data/scalars.json'):
        for line in path.read_text().splitlines():
            keys |= {k for k in json.loads(line) if k.startswith('loss')}
    return keys


@pytest.fixture(scope='module')
def stage1_run(tiny_lt_world, tmp_path_factory):
    tmp = tmp_path_factory.mktemp('hpdval_stage1')
    config = tiny_config(tmp, 'hpdval-stage1_vit-b16_voc-lt_paper.py', stage=1)
    # a larger lr than the paper's so that 4 AdamW steps visibly move the student
    train(config, tmp / 'work', tiny_lt_world, 'optim_wrapper.optimizer.lr=1e-3')
    return tmp / 'work'


def test_stage1_trains_student_with_kd(stage1_run):
    ckpt = torch.load(stage1_run / 'epoch_1.pth', weights_only=True)
    state = ckpt['state_dict']
    assert any(k.startswith('backbone.') for k in state)
    assert any(k.startswith('neck.') for k in state)
    assert not any(k.startswith('teacher.') for k in state)  # rebuilt from its file
    assert {'loss', 'loss_cls', 'loss_kd'} <= train_loss_keys(stage1_run)
    assert val_metric_keys(stage1_run) == METRIC_KEYS


def test_stage2_starts_from_stage1_weights(stage1_run, tiny_lt_world, tmp_path):
    config = tiny_config(tmp_path, 'hpdval-stage2_vit-b16_voc-lt_paper.py', stage=2)
    stage1_ckpt = stage1_run / 'epoch_1.pth'
    log = train(config, tmp_path / 'work', tiny_lt_world, f'load_from={stage1_ckpt}')
    assert f'Load checkpoint from {stage1_ckpt}' in log
    stage1 = torch.load(stage1_ckpt, weights_only=True)['state_dict']
    stage2 = torch.load(tmp_path / 'work' / 'epoch_1.pth', weights_only=True)['state_dict']
    student = [k for k in stage2 if k.startswith(('backbone.', 'neck.'))]
    assert student and set(student) == {k for k in stage1
                                        if k.startswith(('backbone.', 'neck.'))}
    for key in student:  # loaded, then frozen through stage 2's training
        assert torch.equal(stage2[key], stage1[key]), key
    assert {'head.global_prompt_learner.ctx', 'head.local_prompt_learner.ctx'} <= set(stage2)
    assert {'loss', 'loss_cls', 'loss_sc'} <= train_loss_keys(tmp_path / 'work')
    assert 'loss_kd' not in train_loss_keys(tmp_path / 'work')
    assert val_metric_keys(tmp_path / 'work') == METRIC_KEYS


def test_stage2_default_load_from_is_stage1_final_checkpoint():
    from mmengine.config import Config
    for ds in ('voc-lt', 'coco-lt'):
        s1 = Config.fromfile(str(CONFIGS / f'hpdval-stage1_vit-b16_{ds}_paper.py'))
        s2 = Config.fromfile(str(CONFIGS / f'hpdval-stage2_vit-b16_{ds}_paper.py'))
        assert s2.load_from == (f'work_dirs/hpdval-stage1_vit-b16_{ds}_paper/'
                                f'epoch_{s1.train_cfg.max_epochs}.pth')
