# One of the yardstick's CLIPs with the settings `make select`'s protocol chooses on that
# CLIP itself instead of those chosen on CLIP 0 (the offline configs'): how much the
# yardstick's rows depend on selecting on one CLIP. First the selection on that CLIP,
# then this suite (CLIP 1 shown; `make yardstick` first, for the CLIP's checkpoint,
# feature cache and HP-DVAL stage-1 run):
#   python tools/select_offline.py --methods CoOp LMPT DualCoOp HP-DVAL \
#     --work-dir work_dirs/selection_clip1 \
#     --cfg-options "variables.demo={cwd}/work_dirs/yardstick/clip1"
#   python tools/run_suite.py configs/suites/offline_reselected.py --jobs 2 \
#     --cfg-options variables.rep=clip1 --work-dir work_dirs/yardstick/clip1_reselected
# LMPT is left out: CLIPs 0 and 1 choose the same setting for it.
_base_ = ['./offline_demo.py']
title = 'offline world, {rep}, settings selected on {rep}'
work_dir = 'work_dirs/yardstick/clip1_reselected'
variables = dict(rep='clip1', clip='work_dirs/yardstick/{rep}/clip_synth.pt',
                 rep_dir='{cwd}/work_dirs/yardstick/{rep}')
settings = 'work_dirs/selection_{rep}/selection.json'
prepare = []

_clip = ['model.backbone.pretrained={clip}', 'model.head.pretrained={clip}']
_cache = ['feature_cache.dir={rep_dir}/feature_cache']
methods = [
    dict(name='Zero-shot CLIP',
         stages=[dict(config='configs/offline/zeroshot-clip_synth-vit_synth-lt.py',
                      train=False, cfg_options=_clip)]),
    dict(name='CoOp',
         stages=[dict(config='configs/offline/coop_synth-vit_synth-lt.py', seeded=True,
                      cfg_options=_clip, train_options=_cache)]),
    dict(name='DualCoOp',
         stages=[dict(config='configs/offline/dualcoop_synth-vit_synth-lt.py', seeded=True,
                      cfg_options=_clip, train_options=_cache)]),
    # Stage 2 only, from the CLIP's own stage-1 run.
    dict(name='HP-DVAL',
         stages=[dict(config='configs/offline/hpdval-stage2_synth-vit_synth-lt.py',
                      seeded=True, cfg_options=_clip,
                      train_options=['load_from={rep_dir}/hp-dval/'
                                     'hpdval-stage1_synth-vit_synth-lt/epoch_8.pth'])]),
]
