"""Every multi-label few-shot config (``configs/*/fewshot/``) builds: its base stages, the
adaptation model (tiny CLIP / student substitutes), its datasets and evaluators.

Datasets: the offline configs read a few-shot split generated from the offline world's
label sets (no images); the VOC2007 configs read the published CSV files
(``LMPT_FEWSHOT_DATA``, skipped where absent); the COCO 2014 configs need the user's
instances files, so only their class names are checked (against the published episodes
file and the COCO label order of ``coco_labels.txt`` from the LT annotations).
"""
import copy
import json
import os.path as osp
from pathlib import Path

import pytest
from mmengine.config import Config
from mmpretrain.registry import DATASETS, METRICS, MODELS
from mmpretrain.utils import register_all_modules

import lmpt_mm  # noqa: F401
from lmpt_mm.synthetic.fewshot_world import generate_fewshot_split
from test_configs_build import (tiny_model_cfg,  # noqa: E402  (same folder)
                                write_synthetic_annotations)

REPO = Path(__file__).resolve().parents[2]
FEWSHOT_CONFIGS = sorted(p for p in (REPO / 'configs').rglob('fewshot/**/*.py')
                         if '_base_' not in p.parts)
# the protocol configs (base-stage configs are named '*-base*')
TOP_LEVEL = [p for p in FEWSHOT_CONFIGS if p.parent.name == 'fewshot' and '-base' not in p.name]


def cid(p: Path) -> str:
    return str(p.relative_to(REPO / 'configs'))


@pytest.fixture(scope='module', autouse=True)
def _registry():
    register_all_modules(init_default_scope=False)


def tiny_model(cfg: Config) -> dict:
    model = tiny_model_cfg(cfg.model.to_dict())

    def swap_student(node):  # the ImageNet ViT-B/16 student -> 2 layers, 32px
        if isinstance(node, dict):
            if node.get('type') == 'VisionTransformer':
                return dict(type='VisionTransformer', img_size=32, patch_size=8,
                            out_type='raw', arch=dict(embed_dims=64, num_layers=2,
                                                      num_heads=2, feedforward_channels=128))
            return {k: swap_student(v) for k, v in node.items()}
        return node

    model = swap_student(model)
    if model['head'].get('local_topk'):
        model['head']['local_topk'] = 4
    return model


@pytest.fixture(scope='module')
def offline_split(tmp_path_factory):
    root = tmp_path_factory.mktemp('fs_world') / 'synthetic_lt'
    write_synthetic_annotations(root)
    generate_fewshot_split(root)
    return root


def test_fewshot_configs_found():
    names = {p.name for p in TOP_LEVEL}
    for ds in ('voc2007', 'coco2014'):
        for method in ('hpdval', 'coop', 'zeroshot-clip'):
            assert f'{method}_vit-b16_{ds}-fs.py' in names
        assert f'hpdval_vit-b16_{ds}-fs_paper.py' in names
    assert {'hpdval_synth-vit_synth-fs.py', 'hpdval_synth-vit_synth-fs_code.py',
            'coop_synth-vit_synth-fs.py', 'zeroshot-clip_synth-vit_synth-fs.py'} <= names


CODE_FORM = [p for p in TOP_LEVEL if p.name.startswith('hpdval_') and (
    p.name.endswith('_code.py') or '_vit-b16_' in p.name and '_paper' not in p.name)]


@pytest.mark.parametrize('path', CODE_FORM, ids=cid)
def test_code_form_fewshot_follows_the_release(path):
    """The HP-DVAL code's few-shot computation (jiexuanyan/hp_dval fsl_runner.py,
    fsl_eval.py, utils/engine_fsl_val_TF.py): CLIP's own visual tower scored with the
    code's class-normalised dual-view score, text tower and prompt frozen in both the
    base training and the adaptation, inputs not normalised, RandAugment (base: after a
    Cutout), the base model trained with a OneCycle, AdamW and an EMA."""
    cfg = Config.fromfile(str(path))
    (base_path, ) = cfg.fewshot.base_stages
    base = Config.fromfile(osp.join(path.parent, base_path))
    for c, alpha, topk in ((cfg, 0.5, 16), (base, 0.4, 32)):
        head = c.model.head
        assert c.model.type == 'HPDVALClassifier' and c.model.backbone.type == (
            'CLIPImageEncoder') and c.model.get('neck') is None
        assert head.similarity == 'dot' and head.normalize_over_classes
        assert head.alpha_weights == 'local' and (head.alpha, head.local_topk) == (alpha,
                                                                                   topk)
        assert head.train_text_encoder is False and head.template == 'a photo of a {}.'
        assert list(c.model.data_preprocessor.mean) == [0.0] * 3
        assert list(c.model.data_preprocessor.std) == [255.0] * 3
        assert c.model.head.loss.type == 'AsymmetricLoss'
    augment = [t['type'] for t in cfg.train_dataloader.dataset.pipeline]
    assert augment[2:] == ['RandAugment', 'PackInputs'] and 'RandomFlip' not in augment
    augment = [t['type'] for t in base.train_dataloader.dataset.pipeline]
    assert augment[2:] == ['Cutout', 'RandAugment', 'PackInputs']
    assert base.train_dataloader.batch_size == base.auto_scale_lr.base_batch_size == 32
    assert [s['type'] for s in base.param_scheduler] == ['OneCycleLRFromOptimizer',
                                                         'OneCycleMomentum']
    assert base.optim_wrapper.paramwise_cfg.flat_decay_mult == 0.0
    assert base.custom_hooks[-1]['type'] == 'EMAFromStartHook'
    if '_vit-b16_' in path.name:  # the release's values; offline: shortened (config)
        assert base.train_cfg.max_epochs == 18 and base.custom_hooks[-1][
            'momentum'] == pytest.approx(0.002)
        assert base.optim_wrapper.optimizer.lr == 1e-5


@pytest.mark.parametrize('path', TOP_LEVEL, ids=cid)
def test_fewshot_config_builds(path, offline_split, request):
    cfg = Config.fromfile(str(path))
    # The published splits are needed (and skip where absent) only by the real configs.
    real = cfg.test_dataloader.dataset.type != 'FewShotCSVDataset'
    fewshot_root = request.getfixturevalue('fewshot_root') if real else None
    lt_ann_root = request.getfixturevalue('lt_ann_root') if real else None
    fs = cfg.fewshot
    assert cfg.default_scope == 'mmpretrain' and 'lmpt_mm' in cfg.custom_imports['imports']
    assert isinstance(cfg.get('method_name'), str)
    # no test-set epoch selection: no validation while adapting, final epoch
    assert cfg.get('val_dataloader') is None
    assert 'save_best' not in cfg.default_hooks.checkpoint
    stages = [Config.fromfile(osp.join(path.parent, s)) for s in fs.base_stages]
    if fs.adapt:
        assert cfg.optim_wrapper.optimizer.type == 'AdamW'
        assert cfg.optim_wrapper.optimizer.lr == 1e-5
        assert tuple(cfg.optim_wrapper.optimizer.betas) == (0.9, 0.9)
        assert cfg.optim_wrapper.optimizer.weight_decay == 1e-4
        assert cfg.model.head.loss == dict(type='AsymmetricLoss', gamma_pos=0.0,
                                           gamma_neg=4.0, clip=0.05, reduction='sum')
        assert cfg.train_dataloader.dataset.view == 'support'
        assert list(fs.frozen_modules) == ['head']
    novel = list(cfg.model.head.classes)
    assert cfg.test_dataloader.dataset.view == 'novel_test'
    for stage in stages:
        assert stage.train_dataloader.dataset.view == 'base'
        assert not set(stage.model.head.classes) & set(novel)

    models = [cfg] + stages
    for c in models:
        model = MODELS.build(tiny_model(c))
        head_params = {id(p) for p in model.head.parameters()}
        assert head_params
    metrics = [METRICS.build(m) for m in cfg.test_evaluator]
    assert {m.prefix for m in metrics} == {'fewshot'}

    loaders = [('adapt', cfg)] + [('base', s) for s in stages]
    ds_type = cfg.test_dataloader.dataset.type
    if ds_type == 'COCO2014FewShot':
        eps = json.loads((fewshot_root / 'coco' / 'coco2014_fewshot_episodes.json')
                         .read_text())
        names = [' '.join(line.split()[:-1]) for line in
                 (lt_ann_root / 'coco' / 'coco_labels.txt').read_text().splitlines()
                 if line.strip()]
        assert novel == [names[i] for i in eps['novel_label_ids']]
        for stage in stages:
            assert list(stage.model.head.classes) == [names[i] for i in
                                                      eps['base_label_ids']]
        return
    root = offline_split if ds_type == 'FewShotCSVDataset' else fewshot_root / 'voc'
    for role, c in loaders:
        # base stages train (and validate) on base classes; the adaptation run trains
        # on a support set and is tested on the novel test set
        keys = ('train_dataloader', 'test_dataloader') if role == 'adapt' else (
            'train_dataloader', 'val_dataloader')
        for key in keys:
            if not c.get(key):
                continue
            ds_cfg = copy.deepcopy(c[key].dataset.to_dict())
            if ds_cfg['view'] == 'support':
                ds_cfg.update(shots=5, episode=10)
            if ds_type == 'VOC2007FewShot':
                ds_cfg.update(ann_dir=str(root))
            else:
                ds_cfg.update(data_root=str(root))
            ds = DATASETS.build(ds_cfg)
            heads = c.model.head.classes
            assert list(ds.metainfo['classes']) == list(heads), (cid(path), key)
            assert len(ds) > 0
