# The recipe smoke: each real method's recipe (configs/offline/recipes/: the real
# config's optimiser, schedule, loss convention and prompt settings on the small CLIP /
# ResNet-18 and the synthetic world) beside zero-shot CLIP, one run each.
#   python tools/run_suite.py configs/suites/offline_recipes.py [--only LMPT ...]
# The world and the small CLIP are the offline demo's (built here when missing);
# docs/recipes.md reports a run.
_base_ = ['./offline_demo.py']
title = 'recipe smoke: real recipes on the offline world'
work_dir = 'work_dirs/recipes'
variables = dict(data='data/synthetic_lt', clip='work_dirs/demo/clip_synth.pt')
seeds = [0]
baselines = [dict(name='Zero-shot CLIP', label='zero-shot')]
_clip = ['model.backbone.pretrained={clip}', 'model.head.pretrained={clip}']
_dir = 'configs/offline/recipes/'


def _once(name, stem, options=_clip):
    return dict(name=name, stages=[dict(config=_dir + stem + '.py', cfg_options=options)])


methods = [
    dict(name='Zero-shot CLIP',
         stages=[dict(config=_dir + 'zeroshot-clip_synth-vit_synth-lt.py', train=False,
                      cfg_options=_clip)]),
    _once('LMPT (code recipe)', 'lmpt_recipe-code_synth-vit_synth-lt'),
    _once('LMPT (paper recipe)', 'lmpt_recipe-paper_synth-vit_synth-lt'),
    _once('CoOp (shared)', 'coop_recipe_synth-vit_synth-lt'),
    _once('CoOp (class-specific)', 'coop-csc_recipe_synth-vit_synth-lt'),
    _once('DualCoOp', 'dualcoop_recipe_synth-vit_synth-lt'),
    dict(name='HP-DVAL', stages=[
        dict(config=_dir + 'hpdval-stage1_recipe_synth-vit_synth-lt.py',
             cfg_options=_clip + ['model.teacher.pretrained={clip}']),
        dict(config=_dir + 'hpdval-stage2_recipe_synth-vit_synth-lt.py',
             init_from_previous=True, cfg_options=_clip),
    ]),
    _once('ERM', 'resnet18_erm_recipe_synth-lt', []),
    _once('DB-Focal', 'resnet18_db-focal_recipe_synth-lt', []),
]
