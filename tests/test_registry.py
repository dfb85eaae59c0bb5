"""Every registered lmpt_mm component builds from a config dict after `import lmpt_mm`."""
import mmengine.registry as mmengine_registry
import mmpretrain.registry as registry
import pytest
import torch

import lmpt_mm  # noqa: F401

TINY = dict(arch='lmpt-tiny-vit', pretrained=None)
CLASSES = ['dog', 'cat', 'car', 'tree']
FREQ = dict(class_freq=[8, 9, 5, 6], neg_class_freq=[8, 7, 11, 10])


def registered_components() -> set[tuple[str, str]]:
    registries = {name: getattr(registry, name) for name in dir(registry)
                  if name.isupper() and not name.startswith('MMENGINE_')
                  and hasattr(getattr(registry, name), 'module_dict')}
    registries['MODEL_WRAPPERS'] = mmengine_registry.MODEL_WRAPPERS
    return {(reg_name, name) for reg_name, reg in registries.items()
            for name, cls in reg.module_dict.items()
            if cls.__module__.startswith('lmpt_mm.')}


def tiny_dataset(root):
    return dict(type='LTMultiLabelDataset', data_root=str(root), ann_file='train.txt',
                label_file='labels.txt', caption_file='captions.txt', with_caption=True)


def build_wrapper(tmp_path):
    store = torch.distributed.FileStore(str(tmp_path / 'store'), 1)
    torch.distributed.init_process_group('gloo', store=store, rank=0, world_size=1)
    try:
        return mmengine_registry.MODEL_WRAPPERS.build(
            dict(type='DeviceAgnosticDDP', module=torch.nn.Linear(2, 2), device_ids=[0]))
    finally:
        torch.distributed.destroy_process_group()


def fewshot_csv(tmp):
    """A two-image novel test CSV (VOC2007 few-shot format)."""
    (tmp / 'classification_Test_novel.csv').write_text('name,cat,dog\n5,1,0\n7,0,1\n')
    return dict(view='novel_test', ann_dir=str(tmp))


def fewshot_coco(tmp):
    """A tiny instances file and episodes file (2 images, 2 classes)."""
    import json
    (tmp / 'instances.json').write_text(json.dumps(dict(
        images=[dict(id=1, file_name='a.jpg'), dict(id=2, file_name='b.jpg')],
        categories=[dict(id=1, name='cat'), dict(id=2, name='dog')],
        annotations=[dict(id=1, image_id=1, category_id=1, bbox=[0, 0, 2, 2]),
                     dict(id=2, image_id=2, category_id=2, bbox=[0, 0, 2, 2])])))
    (tmp / 'episodes.json').write_text(json.dumps(dict(
        novel_label_ids=[1], base_label_ids=[0],
        episodes={'1shot': [dict(class_to_indices={'1': [1]}, used_indices=[1])]})))
    return dict(type='COCO2014FewShot', view='support', shots=1, episode=1,
                data_root=str(tmp), episodes_file='episodes.json', ann_file='instances.json')


# (registry, type) -> function(ctx) building it; ctx has the fixtures.
BUILDERS = {
    ('DATASETS', 'FewShotCSVDataset'): lambda c: registry.DATASETS.build(
        dict(type='FewShotCSVDataset', **fewshot_csv(c['tmp']))),
    ('DATASETS', 'VOC2007FewShot'): lambda c: registry.DATASETS.build(
        dict(type='VOC2007FewShot', **fewshot_csv(c['tmp']))),
    ('DATASETS', 'COCO2014FewShot'): lambda c: registry.DATASETS.build(
        fewshot_coco(c['tmp'])),
    ('HOOKS', 'FreezeModulesHook'):
        lambda c: registry.HOOKS.build(dict(type='FreezeModulesHook', modules=['head'])),
    ('METRICS', 'LogitAveragePrecision'):
        lambda c: registry.METRICS.build(dict(type='LogitAveragePrecision')),
    ('DATASETS', 'LTMultiLabelDataset'):
        lambda c: registry.DATASETS.build(tiny_dataset(c['world'])),
    ('DATASETS', 'VOCLT'): lambda c: registry.DATASETS.build(
        dict(type='VOCLT', data_root=str(c['ann'] / 'voc'), split='test')),
    ('DATASETS', 'COCOLT'): lambda c: registry.DATASETS.build(
        dict(type='COCOLT', data_root=str(c['ann'] / 'coco'), with_caption=True)),
    ('DATA_SAMPLERS', 'ClassAwareSampler'): lambda c: registry.DATA_SAMPLERS.build(
        dict(type='ClassAwareSampler', seed=0),
        default_args=dict(dataset=registry.DATASETS.build(tiny_dataset(c['world'])))),
    ('HOOKS', 'ClassStatsHook'): lambda c: registry.HOOKS.build(dict(type='ClassStatsHook')),
    ('HOOKS', 'ClassListCheckHook'):
        lambda c: registry.HOOKS.build(dict(type='ClassListCheckHook')),
    ('HOOKS', 'EpochSeedHook'): lambda c: registry.HOOKS.build(dict(type='EpochSeedHook')),
    ('HOOKS', 'SafeCheckpointHook'):
        lambda c: registry.HOOKS.build(dict(type='SafeCheckpointHook')),
    ('HOOKS', 'AtomicCheckpointHook'): lambda c: registry.HOOKS.build(
        dict(type='AtomicCheckpointHook', interval=1, max_keep_ckpts=1)),
    ('HOOKS', 'EvalImagesCheckHook'):
        lambda c: registry.HOOKS.build(dict(type='EvalImagesCheckHook', max_listed=3)),
    ('HOOKS', 'NonFiniteLossHook'):
        lambda c: registry.HOOKS.build(dict(type='NonFiniteLossHook')),
    ('HOOKS', 'EMAFromStartHook'): lambda c: registry.HOOKS.build(
        dict(type='EMAFromStartHook', momentum=0.002, update_buffers=True)),
    ('HOOKS', 'EvaluationRecordHook'):
        lambda c: registry.HOOKS.build(dict(type='EvaluationRecordHook')),
    ('HOOKS', 'StrictCheckpointLoadHook'):
        lambda c: registry.HOOKS.build(dict(type='StrictCheckpointLoadHook')),
    ('METRICS', 'GroupAveragePrecision'): lambda c: registry.METRICS.build(
        dict(type='GroupAveragePrecision', class_freq=FREQ['class_freq'])),
    ('MODEL_WRAPPERS', 'DeviceAgnosticDDP'): lambda c: build_wrapper(c['tmp']),
    ('MODELS', 'CLIPImageEncoder'):
        lambda c: registry.MODELS.build(dict(type='CLIPImageEncoder', **TINY)),
    ('MODELS', 'ZeroShotCLIPHead'): lambda c: registry.MODELS.build(
        dict(type='ZeroShotCLIPHead', classes=CLASSES, **TINY)),
    ('MODELS', 'CoOpHead'): lambda c: registry.MODELS.build(
        dict(type='CoOpHead', classes=CLASSES, **TINY)),
    ('MODELS', 'DualCoOpHead'): lambda c: registry.MODELS.build(
        dict(type='DualCoOpHead', classes=CLASSES, **TINY)),
    ('MODELS', 'LMPTHead'): lambda c: registry.MODELS.build(
        dict(type='LMPTHead', classes=CLASSES,
             loss=dict(type='DistributionBalancedLoss', **FREQ),
             cse_loss=dict(type='ClassSpecificEmbeddingLoss',
                           class_freq=FREQ['class_freq']), **TINY)),
    ('HOOKS', 'FeatureCacheHook'):
        lambda c: registry.HOOKS.build(dict(type='FeatureCacheHook')),
    ('MODELS', 'CLIPPromptClassifier'): lambda c: registry.MODELS.build(
        dict(type='CLIPPromptClassifier', save_trainable_only=True,
             backbone=dict(type='CLIPImageEncoder', **TINY),
             head=dict(type='CoOpHead', classes=CLASSES, **TINY))),
    ('MODELS', 'FeatureAwareClsDataPreprocessor'): lambda c: registry.MODELS.build(
        dict(type='FeatureAwareClsDataPreprocessor', mean=[0.0] * 3, std=[1.0] * 3)),
    ('MODELS', 'DistributionBalancedLoss'): lambda c: registry.MODELS.build(
        dict(type='DistributionBalancedLoss', **FREQ)),
    ('MODELS', 'ClassSpecificEmbeddingLoss'): lambda c: registry.MODELS.build(
        dict(type='ClassSpecificEmbeddingLoss', class_freq=FREQ['class_freq'])),
    ('MODELS', 'DetachableAsymmetricLoss'): lambda c: registry.MODELS.build(
        dict(type='DetachableAsymmetricLoss', detach_focal_weight=True)),
    ('MODELS', 'LogitCompensatedBCELoss'): lambda c: registry.MODELS.build(
        dict(type='LogitCompensatedBCELoss', num_classes=3)),
    ('MODELS', 'CoCoOpHead'): lambda c: registry.MODELS.build(
        dict(type='CoCoOpHead', classes=CLASSES, **TINY)),
    ('MODELS', 'LTMLHead'): lambda c: registry.MODELS.build(
        dict(type='LTMLHead', num_classes=len(CLASSES), in_channels=256,
             branch_backbone=dict(type='ResNet_CIFAR', depth=18, stem_channels=32,
                                  base_channels=32))),
    ('DATA_SAMPLERS', 'UniformClassAwarePairSampler'):
        lambda c: registry.DATA_SAMPLERS.build(
            dict(type='UniformClassAwarePairSampler', batch_size=2, seed=0),
            default_args=dict(dataset=registry.DATASETS.build(tiny_dataset(c['world'])))),
    # HP-DVAL
    ('MODELS', 'DualViewEmbeddingNeck'): lambda c: registry.MODELS.build(
        dict(type='DualViewEmbeddingNeck', in_channels=64, out_channels=32)),
    ('MODELS', 'DVALHead'): lambda c: registry.MODELS.build(
        dict(type='DVALHead', classes=CLASSES, **TINY)),
    ('MODELS', 'HPTHead'): lambda c: registry.MODELS.build(
        dict(type='HPTHead', classes=CLASSES, **TINY)),
    ('MODELS', 'HPDVALClassifier'): lambda c: registry.MODELS.build(
        dict(type='HPDVALClassifier',
             backbone=dict(type='CLIPImageEncoder', frozen=False, return_local=True,
                           **TINY),
             head=dict(type='DVALHead', classes=CLASSES, **TINY),
             teacher=dict(type='CLIPImageEncoder', **TINY))),
}


def test_every_registered_component_has_a_builder():
    missing = registered_components() - set(BUILDERS)
    assert not missing, f'add these components to BUILDERS: {sorted(missing)}'


@pytest.mark.parametrize('key', sorted(BUILDERS), ids=lambda k: f'{k[0]}.{k[1]}')
def test_component_builds_from_config(key, tiny_lt_world, tmp_path, request):
    assert key in registered_components(), f'{key} is not registered by lmpt_mm'
    # Only the real-dataset classes need the real annotation files (else skipped).
    ann = request.getfixturevalue('lt_ann_root') if key[1] in ('VOCLT', 'COCOLT') else None
    obj = BUILDERS[key](dict(world=tiny_lt_world, ann=ann, tmp=tmp_path))
    assert type(obj).__name__ == key[1]
