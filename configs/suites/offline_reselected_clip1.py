# The yardstick's CLIP 1 with the settings `make select` chooses on CLIP 1 itself
# (tools/select_offline.py --work-dir work_dirs/selection_clip1 --cfg-options
# variables.demo={cwd}/work_dirs/yardstick/clip1) instead of those chosen on CLIP 0: how
# much the yardstick's rows depend on selecting on one CLIP. Reuses CLIP 1's checkpoint,
# feature cache and HP-DVAL stage-1 run (run `make yardstick` first); LMPT is left out
# because CLIP 1 chooses its CLIP-0 setting.
#   python tools/run_suite.py configs/suites/offline_reselected_clip1.py --jobs 2
_base_ = ['./offline_demo.py']
title = 'offline world, CLIP 1, settings selected on CLIP 1'
work_dir = 'work_dirs/yardstick/clip1_reselected'
variables = dict(clip='work_dirs/yardstick/clip1/clip_synth.pt',
                 clip1='{cwd}/work_dirs/yardstick/clip1')
prepare = []

_clip = ['model.backbone.pretrained={clip}', 'model.head.pretrained={clip}']
_cache = ['feature_cache.dir={clip1}/feature_cache']
_lr = 'optim_wrapper.optimizer.lr='
methods = [
    dict(name='Zero-shot CLIP',
         stages=[dict(config='configs/offline/zeroshot-clip_synth-vit_synth-lt.py',
                      train=False, cfg_options=_clip)]),
    dict(name='CoOp',
         stages=[dict(config='configs/offline/coop_synth-vit_synth-lt.py', seeded=True,
                      cfg_options=_clip,
                      train_options=_cache + [
                          _lr + '0.000125', 'train_cfg.max_epochs=40',
                          'train_cfg.val_interval=40', 'param_scheduler.T_max=40',
                          'optim_wrapper.optimizer.weight_decay=0.0'])]),
    dict(name='DualCoOp',
         stages=[dict(config='configs/offline/dualcoop_synth-vit_synth-lt.py', seeded=True,
                      cfg_options=_clip, train_options=_cache + [_lr + '0.008'])]),
    dict(name='HP-DVAL',
         stages=[dict(config='configs/offline/hpdval-stage2_synth-vit_synth-lt.py',
                      seeded=True,
                      cfg_options=_clip + ['model.head.alpha=1.0',
                                           'model.head.local_topk=32'],
                      train_options=[
                          _lr + '0.0005',
                          'load_from={clip1}/hp-dval/hpdval-stage1_synth-vit_synth-lt/'
                          'epoch_8.pth'])]),
]
