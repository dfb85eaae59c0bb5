# The methods of the long-tailed comparison (HP-DVAL's Table I rows that the plugin
# ships), on the dataset named by the suite's `dataset` variable ('voc-lt' or
# 'coco-lt'). Each config keeps its own data root, weights and schedule; see its
# recipe card (configs/<method>/README.md).
seeds = [0, 1, 2]
baselines = [dict(name='Zero-shot CLIP', label='zero-shot'), 'CoOp']


def _one(name, config, seeded=True):
    return dict(name=name, stages=[dict(config=config, train=seeded, seeded=seeded)])


methods = [
    _one('Zero-shot CLIP', 'configs/zeroshot_clip/zeroshot-clip_vit-b16_{dataset}.py',
         seeded=False),
    _one('CoOp', 'configs/coop/coop_vit-b16_{dataset}.py'),
    _one('CoCoOp', 'configs/cocoop/cocoop_vit-b16_{dataset}.py'),
    _one('DualCoOp', 'configs/dualcoop/dualcoop_rn50_{dataset}.py'),
    _one('LMPT', 'configs/lmpt/lmpt_vit-b16_{dataset}.py'),
    # Stage 2 starts from stage 1's last checkpoint (the release's epoch_79.pth).
    dict(name='HP-DVAL', stages=[
        dict(config='configs/hpdval/hpdval-stage1_vit-b16_{dataset}.py'),
        dict(config='configs/hpdval/hpdval-stage2_vit-b16_{dataset}.py', seeded=True,
             init_from_previous=True),
    ]),
    _one('ERM', 'configs/resnet50/resnet50_erm_{dataset}.py'),
    _one('RW', 'configs/resnet50/resnet50_rw_{dataset}.py'),
    _one('Focal', 'configs/resnet50/resnet50_focal_{dataset}.py'),
    _one('CB-Focal', 'configs/resnet50/resnet50_cb-focal_{dataset}.py'),
    _one('DB-Focal', 'configs/resnet50/resnet50_db-focal_{dataset}.py'),
    _one('ASL', 'configs/resnet50/resnet50_asl_{dataset}.py'),
    _one('LTML', 'configs/ltml/ltml_resnet50_{dataset}.py'),
]
