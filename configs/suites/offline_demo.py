# The offline demo (`make demo`): the synthetic long-tailed world, its small CLIP, every
# offline method over three training seeds, one comparison. Run it with
#   python tools/run_suite.py configs/suites/offline_demo.py
# Work dirs, the comparison tables and the plots go to work_dirs/demo.
_base_ = ['./_base_/offline_world.py']
title = 'offline world (synthetic LT, VOC-LT class counts)'
work_dir = 'work_dirs/demo'
variables = dict(clip='{work_dir}/clip_synth.pt')
seeds = [0, 1, 2]
# ERM and LTML: the references of the papers' ResNet rows (HP-DVAL Table I) and of LMPT's
# "beats the state of the art" (LTML).
baselines = [dict(name='Zero-shot CLIP', label='zero-shot'), 'CoOp', 'ERM', 'LTML']
train_ann = '{data}/lt_train.txt'
# Training validates on lt_val.txt and checks the test images too (EvalImagesCheckHook),
# so it needs all three loaders pointed at the world; a test only the test loader.
train_options = [
    'train_dataloader.dataset.data_root={data}', 'val_dataloader.dataset.data_root={data}',
    'test_dataloader.dataset.data_root={data}'
]
test_options = ['test_dataloader.dataset.data_root={data}']
# Stages tagged 'images' train on images (not on cached features); the reduced demo
# shortens only those (configs/suites/offline_demo_reduced.py).
tag_options = dict(images=[])

_clip = ['model.backbone.pretrained={clip}', 'model.head.pretrained={clip}']
# The prompt methods train on one feature cache shared by their seeds (an absolute
# path: the hook resolves a relative one against each run's own work dir).
_cache = ['feature_cache.dir={abs_work_dir}/feature_cache']
methods = [
    dict(name='Zero-shot CLIP',
         stages=[dict(config='configs/offline/zeroshot-clip_synth-vit_synth-lt.py',
                      train=False, cfg_options=_clip)]),
    dict(name='CoOp',
         stages=[dict(config='configs/offline/coop_synth-vit_synth-lt.py', seeded=True,
                      cfg_options=_clip, train_options=_cache)]),
    dict(name='CoCoOp',
         stages=[dict(config='configs/offline/cocoop_synth-vit_synth-lt.py', seeded=True,
                      cfg_options=_clip, train_options=_cache)]),
    dict(name='DualCoOp',
         stages=[dict(config='configs/offline/dualcoop_synth-vit_synth-lt.py', seeded=True,
                      cfg_options=_clip, train_options=_cache)]),
    dict(name='LMPT',
         stages=[dict(config='configs/offline/lmpt_synth-vit_synth-lt.py', seeded=True,
                      cfg_options=_clip, train_options=_cache)]),
    # Stage 1 trains on images once; every seed's stage 2 starts from it.
    dict(name='HP-DVAL',
         stages=[
             dict(config='configs/offline/hpdval-stage1_synth-vit_synth-lt.py',
                  cfg_options=_clip + ['model.teacher.pretrained={clip}'],
                  tags=['images']),
             dict(config='configs/offline/hpdval-stage2_synth-vit_synth-lt.py',
                  seeded=True, init_from_previous=True, cfg_options=_clip),
         ]),
    # The HP-DVAL code's computation (configs/offline/*_code.py); the row above is the
    # paper's equations.
    dict(name='HP-DVAL (code form)',
         stages=[
             dict(config='configs/offline/hpdval-stage1_synth-vit_synth-lt_code.py',
                  cfg_options=_clip, tags=['images']),
             dict(config='configs/offline/hpdval-stage2_synth-vit_synth-lt_code.py',
                  seeded=True, init_from_previous=True, cfg_options=_clip),
         ]),
    dict(name='ERM',
         stages=[dict(config='configs/offline/resnet18_erm_synth-lt.py', seeded=True,
                      tags=['images'])]),
    dict(name='DB-Focal',
         stages=[dict(config='configs/offline/resnet18_db-focal_synth-lt.py', seeded=True,
                      tags=['images'])]),
] + [
    dict(name=name, stages=[dict(config=f'configs/offline/resnet18_{stem}_synth-lt.py',
                                 seeded=True, tags=['images'])])
    for name, stem in (('ASL', 'asl'), ('RW', 'rw'), ('LTML', 'ltml'))
]
# Two runs at a time (cores // 2 threads each): on two cores, two one-thread runs
# finish the demo sooner than one two-thread run at a time, as each run's start-up
# (imports, config, data) is single-threaded and the prompt methods' small steps gain
# little from a second thread.
jobs = 2
