"""Every config under ``configs/`` builds: model, datasets, sampler, evaluator.

Real CLIP / ImageNet weights are never loaded: CLIP architectures are swapped for
lmpt_mm's tiny open_clip configs with ``pretrained=None`` and ``Pretrained`` init
configs are dropped (:func:`tiny_model_cfg`). Datasets of the real configs are built
from the VOC-LT / COCO-LT annotation files (``lt_ann_root``; those configs skip where
the files are absent), the offline and generic ones from annotation files written here
(they never skip); construction reads no image.
Models are built once per distinct (substituted) model config and reused.

A config this file cannot handle - an unknown CLIP architecture, a dataset type it
cannot point at annotation files, a folder without a known method name - fails
:func:`test_every_config_is_covered` with what to extend here.
"""
import copy
import json
from pathlib import Path
from typing import Dict, List, Optional

import pytest
import torch
from mmengine.config import Config
from mmpretrain.registry import DATA_SAMPLERS, DATASETS, METRICS, MODELS
from mmpretrain.structures import DataSample
from mmpretrain.utils import register_all_modules

import lmpt_mm  # noqa: F401  (registers lmpt_mm's components)
from lmpt_mm.engine.safety import missing_safety_entries
from lmpt_mm.models.clip import CLIP_MEAN_255, CLIP_STD_255

REPO = Path(__file__).resolve().parents[2]
CONFIG_DIR = REPO / 'configs'

# Real CLIP architecture -> lmpt_mm's tiny open_clip config of the same family.
TINY_CLIP = {'ViT-B-16': 'lmpt-tiny-vit', 'RN50': 'lmpt-tiny-rn',
             'lmpt-synth-vit': 'lmpt-tiny-vit'}
TINY_ARCHES = set(TINY_CLIP.values())
TINY_IMAGE_SIZE = 32
# Method names as the papers write them, per config folder; tools/test.py writes
# `method_name` into metrics.json.
METHOD_NAMES = {
    'lmpt': {'LMPT'},
    'coop': {'CoOp'},
    'cocoop': {'CoCoOp'},
    'ltml': {'LTML'},
    'dualcoop': {'DualCoOp'},
    'zeroshot_clip': {'Zero-shot CLIP', 'Zero-shot CLIP (template ensemble)'},
    'resnet50': {'ERM', 'Focal', 'CB-Focal', 'DB-Focal', 'ASL', 'RW'},
    '.': {'LMPT'},  # the entry points configs/lmpt_{voc,coco}_lt.py
    'offline': {'Zero-shot CLIP', 'CoOp', 'CoCoOp', 'DualCoOp', 'LMPT', 'HP-DVAL',
                'HP-DVAL stage 1 (DVAL)', 'ERM', 'DB-Focal', 'ASL', 'RW',
                'LTML'},
}
# Dataset types and the lt_ann_root sub-folder holding their annotation files.
REAL_DATASETS = {'VOCLT': 'voc', 'COCOLT': 'coco'}
GENERIC_DATASETS = {'LTMultiLabelDataset'}
LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


def config_files() -> List[Path]:
    """Every config a user may run: all ``configs/**/*.py`` outside ``_base_`` (and the
    multi-label few-shot configs in ``*/fewshot/``, run by tools/fewshot.py and built by
    tests/configs/test_fewshot_configs.py; and the suites of ``suites/``, read by
    tools/run_suite.py and checked by tests/suite/)."""
    return sorted(p for p in CONFIG_DIR.rglob('*.py') if not {'_base_', 'fewshot', 'suites'}
                  & set(p.relative_to(CONFIG_DIR).parts))


def config_id(path: Path) -> str:
    return str(path.relative_to(CONFIG_DIR))


CONFIGS = config_files()


@pytest.fixture(scope='module', autouse=True)
def _mmpretrain_registry():
    register_all_modules(init_default_scope=False)


# ------------------------------------------------------------------------------
# substitution
# ------------------------------------------------------------------------------
def tiny_model_cfg(model: dict) -> dict:
    """A copy of ``model`` with tiny CLIP models and no pretrained weights.

    Every dict holding an ``arch`` in :data:`TINY_CLIP` (CLIP backbone, CLIP heads)
    gets the tiny arch and ``pretrained=None``; ``init_cfg=dict(type='Pretrained')``
    is dropped. Raises ``ValueError`` for a CLIP arch this table does not know.
    """
    def walk(node):
        if isinstance(node, dict):
            node = {k: walk(v) for k, v in node.items()}
            init_cfg = node.get('init_cfg')
            if isinstance(init_cfg, dict) and init_cfg.get('type') == 'Pretrained':
                node['init_cfg'] = None
            if 'arch' in node and 'pretrained' in node or node.get('type') == (
                    'CLIPImageEncoder'):
                arch = node.get('arch')
                if arch in TINY_CLIP:
                    node['arch'] = TINY_CLIP[arch]
                elif arch not in TINY_ARCHES:
                    raise ValueError(f'no tiny substitute for CLIP arch {arch!r}: add it '
                                     f'to TINY_CLIP in {Path(__file__).name}')
                node['pretrained'] = None
            return node
        if isinstance(node, (list, tuple)):
            return type(node)(walk(v) for v in node)
        return node

    return walk(copy.deepcopy(model))


def write_generic_annotations(ds_cfg: dict, root: Path, classes: List[str]) -> None:
    """Tiny LTML text files under the names ``ds_cfg`` asks for (no images)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / ds_cfg['label_file']).write_text(
        ''.join(f'{name} {i}\n' for i, name in enumerate(classes)))
    lines = [f'img_{k}.png {k % len(classes)} {(k + 1) % len(classes)}'
             for k in range(2 * len(classes))]
    for key in ('ann_file', 'train_ann_file'):
        if ds_cfg.get(key):
            (root / ds_cfg[key]).write_text('\n'.join(lines) + '\n')
    if ds_cfg.get('caption_file'):
        (root / ds_cfg['caption_file']).write_text(
            '\n'.join(f'img_{k}.png a caption' for k in range(len(lines))) + '\n')


def write_synthetic_annotations(root: Path) -> None:
    """The offline world's text files (exact label sets, no images)."""
    from lmpt_mm.synthetic.catalogue import CLASS_NAMES
    from lmpt_mm.synthetic.world import WorldConfig, split_label_sets
    if (root / 'labels.txt').is_file():
        return
    root.mkdir(parents=True, exist_ok=True)
    (root / 'labels.txt').write_text(
        ''.join(f'{name} {i}\n' for i, name in enumerate(CLASS_NAMES)))
    for split in ('train', 'val', 'test'):
        sets = split_label_sets(split, WorldConfig())
        (root / f'lt_{split}.txt').write_text(''.join(
            f'images/{split}/{k:06d}.png ' + ' '.join(map(str, labels)) + '\n'
            for k, labels in enumerate(sets)))
    (root / 'lt_captions.txt').write_text(''.join(
        f'images/train/{k:06d}.png a caption\n'
        for k in range(len(split_label_sets('train', WorldConfig())))))


def point_dataset(ds_cfg: dict, lt_ann_root: Optional[Path], tmp_root: Path,
                  classes: Optional[List[str]]) -> dict:
    """A copy of a dataset config reading the test annotation files."""
    ds_cfg = copy.deepcopy(ds_cfg)
    if 'dataset' in ds_cfg:  # dataset wrappers
        ds_cfg['dataset'] = point_dataset(ds_cfg['dataset'], lt_ann_root, tmp_root,
                                          classes)
        return ds_cfg
    ds_type = ds_cfg['type']
    if ds_type in REAL_DATASETS:
        ds_cfg['data_root'] = str(lt_ann_root / REAL_DATASETS[ds_type])
    elif ds_type in GENERIC_DATASETS:
        root = Path(ds_cfg.get('data_root') or '')
        if not root.is_absolute():
            root = REPO / root
        if not (root / ds_cfg['label_file']).is_file() and \
                root.name == 'synthetic_lt':  # offline world not made: its label sets
            root = tmp_root / 'synthetic_lt'
            write_synthetic_annotations(root)
        elif not (root / ds_cfg['label_file']).is_file():
            names = classes or [f'class{i}' for i in range(4)]
            root = tmp_root / 'generic'
            write_generic_annotations(ds_cfg, root, names)
        ds_cfg['data_root'] = str(root)
    else:
        raise ValueError(f'dataset type {ds_type!r}: add it to REAL_DATASETS or '
                         f'GENERIC_DATASETS in {Path(__file__).name}')
    return ds_cfg


def dataset_types(ds_cfg: dict) -> List[str]:
    if 'dataset' in ds_cfg:
        return dataset_types(ds_cfg['dataset'])
    return [ds_cfg['type']]


def key(cfg: dict) -> str:
    return json.dumps(cfg, sort_keys=True, default=str)


# ------------------------------------------------------------------------------
# building, cached across configs
# ------------------------------------------------------------------------------
_MODELS: Dict[str, torch.nn.Module] = {}
_DATASETS: Dict[str, object] = {}


def build_model(cfg: Config) -> torch.nn.Module:
    model_cfg = tiny_model_cfg(cfg.model.to_dict())
    # as the Runner does: a top-level data_preprocessor fills in a missing one
    if cfg.get('data_preprocessor') is not None:
        model_cfg.setdefault('data_preprocessor', cfg.data_preprocessor.to_dict())
    k = key(model_cfg)
    if k not in _MODELS:
        torch.manual_seed(0)
        _MODELS[k] = MODELS.build(model_cfg)
    return _MODELS[k]


def build_dataset(ds_cfg: dict):
    # the pipeline does not change what construction reads: share across configs
    k = key(dict(ds_cfg, pipeline=None))
    if k not in _DATASETS:
        _DATASETS[k] = DATASETS.build(ds_cfg)
    return _DATASETS[k]


def head_classes(cfg: Config) -> Optional[List[str]]:
    classes = cfg.model.get('head', {}).get('classes')
    return None if classes is None else list(classes)


def head_num_classes(cfg: Config) -> int:
    head = cfg.model.head
    return len(head.classes) if 'classes' in head else head.num_classes


def random_batch(model, num_classes: int, with_caption: bool, size: int):
    gen = torch.Generator().manual_seed(0)
    imgs = [torch.randint(0, 256, (3, size, size), generator=gen, dtype=torch.uint8)
            for _ in range(2)]
    samples = []
    for k in range(2):
        meta = dict(caption='a photo of things') if with_caption else {}
        samples.append(DataSample(metainfo=meta).set_gt_label(
            sorted({k % num_classes, (k + 3) % num_classes})))
    return model.data_preprocessor(dict(inputs=imgs, data_samples=samples), True)


def model_input_size(model) -> int:
    visual = getattr(model.backbone, 'visual', None)
    if visual is None:
        return 64  # the ResNet baselines: any size works
    size = visual.image_size
    return size[0] if isinstance(size, (tuple, list)) else size


# ------------------------------------------------------------------------------
# tests
# ------------------------------------------------------------------------------
def test_every_config_is_covered():
    """Each config parses, has a known method name, and substitutes fully."""
    assert CONFIGS, f'no config found under {CONFIG_DIR}'
    assert [config_id(p) for p in CONFIGS] == [config_id(p) for p in config_files()]
    problems = []
    for path in CONFIGS:
        cfg = Config.fromfile(str(path))
        folder = str(path.parent.relative_to(CONFIG_DIR))
        name = cfg.get('method_name')
        allowed = METHOD_NAMES.get(folder)
        if not isinstance(name, str) or not name:
            problems.append(f'{config_id(path)}: no method_name')
        elif allowed is not None and name not in allowed:
            problems.append(f'{config_id(path)}: method_name {name!r} not in {allowed}')
        try:
            tiny_model_cfg(cfg.model.to_dict())
        except ValueError as err:
            problems.append(f'{config_id(path)}: {err}')
        for loader in LOADERS:
            if cfg.get(loader):
                for t in dataset_types(cfg[loader]['dataset']):
                    if t not in REAL_DATASETS and t not in GENERIC_DATASETS:
                        problems.append(f'{config_id(path)}: {loader} dataset {t!r} '
                                        'unknown to this test')
    assert not problems, '\n'.join(problems)


def test_every_config_declares_the_safety_entries():
    """Every config a user runs (few-shot ones included) and the runtime base declare
    the safety hooks and the DDP wrapper: the tools add none. (Suites are not run
    configs: they list configs.)"""
    paths = [CONFIG_DIR / '_base_' / 'default_runtime.py'] + sorted(
        p for p in CONFIG_DIR.rglob('*.py')
        if not {'_base_', 'suites'} & set(p.relative_to(CONFIG_DIR).parts))
    problems = [line for p in paths for line in missing_safety_entries(Config.fromfile(str(p)))]
    assert not problems, '\n'.join(problems)


@pytest.mark.parametrize('path', CONFIGS, ids=config_id)
def test_config_builds(path, request, tmp_path):
    cfg = Config.fromfile(str(path))
    # Only configs of the real VOC-LT / COCO-LT need the external annotation files (and
    # skip without them); offline and generic configs build from files written here.
    needs_real = any(t in REAL_DATASETS for loader in LOADERS if cfg.get(loader)
                     for t in dataset_types(cfg[loader]['dataset']))
    lt_ann_root = request.getfixturevalue('lt_ann_root') if needs_real else None

    # MMPretrain conventions the tools rely on
    assert cfg.default_scope == 'mmpretrain'
    assert 'lmpt_mm' in cfg.custom_imports['imports']
    assert cfg.auto_scale_lr['base_batch_size'] > 0
    trainable = cfg.get('train_dataloader') is not None
    if trainable:
        assert cfg.auto_scale_lr['base_batch_size'] == cfg.train_dataloader.batch_size
        assert cfg.get('optim_wrapper') is not None and cfg.get('train_cfg') is not None
    else:  # test-only configs: the Runner wants the train entries all None
        assert cfg.get('optim_wrapper') is None and cfg.get('train_cfg') is None
    # final-epoch results: no best-checkpoint selection on the test split
    assert 'save_best' not in cfg.default_hooks.checkpoint

    model = build_model(cfg)
    num_classes = head_num_classes(cfg)
    classes = head_classes(cfg)
    if cfg.model.backbone.type == 'CLIPImageEncoder':
        pre = model.data_preprocessor
        mean, std = CLIP_MEAN_255, CLIP_STD_255
        if cfg.model.type == 'HPDVALClassifier' and cfg.model.get('neck', 0) is None:
            # the HP-DVAL code's form: its loaders feed ToTensor() pixels (configs/hpdval)
            mean, std = (0.0, ) * 3, (255.0, ) * 3
        assert torch.allclose(pre.mean.flatten(), torch.tensor(mean), atol=1e-4)
        assert torch.allclose(pre.std.flatten(), torch.tensor(std), atol=1e-4)

    # datasets from the real annotation files (offline ones: their label sets)
    datasets = {}
    for loader in LOADERS:
        if cfg.get(loader):
            ds_cfg = point_dataset(cfg[loader]['dataset'].to_dict(), lt_ann_root,
                                   tmp_path, classes)
            datasets[loader] = build_dataset(ds_cfg)
    assert 'test_dataloader' in datasets
    for loader, ds in datasets.items():
        meta = ds.metainfo
        assert len(meta['classes']) == num_classes, loader
        if classes is not None:
            assert list(meta['classes']) == classes, f'{loader}: head classes differ'
        assert len(ds) > 0
    test_meta = datasets['test_dataloader'].metainfo

    # statistics written into the config equal those of the train split
    for name in ('train_class_freq', 'train_neg_class_freq'):
        if name in cfg:
            meta_key = name[len('train_'):]
            assert list(cfg[name]) == list(test_meta[meta_key]), name
    loss_cfg = cfg.model.head.get('loss') or {}
    for name in ('class_freq', 'neg_class_freq'):
        if loss_cfg.get(name) is not None:
            assert list(loss_cfg[name]) == list(test_meta[name]), f'loss.{name}'

    # sampler
    if trainable:
        train_ds = datasets['train_dataloader']
        sampler_cfg = cfg.train_dataloader.sampler.to_dict()
        sampler = DATA_SAMPLERS.build(sampler_cfg,
                                      default_args=dict(dataset=train_ds, seed=0))
        assert len(sampler) > 0
        if cfg.model.head.type == 'LMPTHead':
            assert isinstance(train_ds.get_data_info(0).get('caption'), str)
            assert 'caption' in cfg.train_dataloader.dataset.pipeline[-1].meta_keys

    # evaluator
    for name in ('val_evaluator', 'test_evaluator'):
        if cfg.get(name):
            metric = METRICS.build(cfg[name])
            metric.dataset_meta = test_meta
            assert metric.prefix == 'lt'

    # one forward through the tiny model: scores per class in [0, 1]
    size = model_input_size(model)
    model.eval()
    with torch.no_grad():
        batch = random_batch(model, num_classes, False, size)
        preds = model(**batch, mode='predict')
    assert preds[0].pred_score.shape == (num_classes, )
    assert torch.all((preds[0].pred_score >= 0) & (preds[0].pred_score <= 1))

    # one training loss as the runner computes it (statistics as ClassStatsHook
    # gives them), finite
    if trainable:
        head = model.head
        if hasattr(head, 'set_class_stats'):
            train_meta = datasets['train_dataloader'].metainfo
            head.set_class_stats(list(train_meta['class_freq']),
                                 list(train_meta['neg_class_freq']))
        model.train()
        batch = random_batch(model, num_classes, True, size)
        with torch.no_grad():
            losses = model(**batch, mode='loss')
        model.eval()
        assert losses and all(torch.isfinite(v).all() for v in losses.values())


def test_resnet_imagenet_checkpoint_layout():
    """The ResNet baselines' ImageNet file is torchvision's ResNet-50: its keys, less
    the classifier, are exactly the backbone's (so `Pretrained` loads every weight)."""
    import torchvision
    cfg = Config.fromfile(str(CONFIG_DIR / '_base_' / 'models' / 'resnet50_multilabel.py'))
    assert 'resnet50-0676ba61.pth' in cfg.model.backbone.init_cfg.checkpoint
    backbone = MODELS.build(dict(cfg.model.backbone.to_dict(), init_cfg=None))
    torchvision_keys = set(torchvision.models.resnet50().state_dict())
    assert torchvision_keys - {'fc.weight', 'fc.bias'} == set(backbone.state_dict())


def test_metafiles_list_their_configs():
    """Each method folder with a metafile.yml lists exactly its configs (the entry
    points in configs/ are listed too), in MMPretrain's format."""
    import yaml
    listed = set()
    metafiles = sorted(CONFIG_DIR.glob('*/metafile.yml'))
    assert metafiles
    for metafile in metafiles:
        data = yaml.safe_load(metafile.read_text())
        collections = {c['Name'] for c in data['Collections']}
        in_folder = set()
        for model in data['Models']:
            assert model['In Collection'] in collections, model['Name']
            path = REPO / model['Config']
            assert path.is_file(), f'{metafile}: {model["Config"]} does not exist'
            listed.add(path)
            if path.parent == metafile.parent:
                in_folder.add(path)
            for result in model.get('Results') or []:
                assert result['Task'] == 'Multi-Label Classification'
                assert result['Dataset'] in ('VOC-LT', 'COCO-LT')
                assert 0 < result['Metrics']['mAP'] <= 100
        assert in_folder == set(metafile.parent.glob('*.py')), metafile
    assert set(CONFIG_DIR.glob('*.py')) <= listed
