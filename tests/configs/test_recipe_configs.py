"""The recipe smoke's configs keep each real recipe; only model, data, epochs change.

Each config under ``configs/offline/recipes/`` is compared with the real config whose
recipe it carries: optimiser (type, lr, momentum, weight decay, clipping), schedule
type, batch size, prompt settings and loss convention must be equal; and the tool
runs every one of them.
"""
from pathlib import Path

import pytest
from mmengine.config import Config

from lmpt_mm.suite import load_suite

REPO = Path(__file__).resolve().parents[2]
RECIPES = 'configs/offline/recipes'
# recipe config stem -> the real config it transplants
REAL = {
    'lmpt_recipe-code_synth-vit_synth-lt': 'configs/lmpt/lmpt_vit-b16_voc-lt.py',
    'lmpt_recipe-paper_synth-vit_synth-lt': 'configs/lmpt/lmpt_vit-b16_voc-lt_paper.py',
    'coop_recipe_synth-vit_synth-lt': 'configs/coop/coop_vit-b16_voc-lt.py',
    'coop-csc_recipe_synth-vit_synth-lt': 'configs/coop/coop-csc_vit-b16_voc-lt.py',
    'dualcoop_recipe_synth-vit_synth-lt': 'configs/dualcoop/dualcoop_vit-b16_voc-lt.py',
    'hpdval-stage1_recipe_synth-vit_synth-lt':
        'configs/hpdval/hpdval-stage1_vit-b16_voc-lt_paper.py',
    'hpdval-stage2_recipe_synth-vit_synth-lt':
        'configs/hpdval/hpdval-stage2_vit-b16_voc-lt_paper.py',
    'resnet18_erm_recipe_synth-lt': 'configs/resnet50/resnet50_erm_voc-lt.py',
    'resnet18_db-focal_recipe_synth-lt': 'configs/resnet50/resnet50_db-focal_voc-lt.py',
}
# what the recipe configs say they change, per head key (prompts of the offline model
# read the offline class names; statistics come from the offline train split)
HEAD_KEYS = ('prompt_learner', 'global_prompt_learner', 'local_prompt_learner',
             'cse_loss', 'lam', 'alpha', 'local_topk', 'score_scale', 'sc_weight',
             'spatial_scale', 'template')
LOSS_KEYS = ('type', 'reweight_func', 'focal', 'map_param', 'logit_reg', 'variant',
             'loss_weight', 'reduction', 'avg_factor', 'gamma_pos', 'gamma_neg', 'clip')


def stems():
    return sorted(p.stem for p in (REPO / RECIPES).glob('*.py'))


def test_the_suite_runs_every_recipe_config():
    suite = load_suite(str(REPO / 'configs' / 'suites' / 'offline_recipes.py'))
    run = {stage.stem for m in suite.methods for stage in m.stages}
    assert run == set(stems())
    assert set(REAL) == run - {'zeroshot-clip_synth-vit_synth-lt'}


@pytest.mark.parametrize('stem', sorted(REAL))
def test_recipe_keeps_the_real_optimiser_schedule_prompts_and_loss(stem):
    recipe = Config.fromfile(str(REPO / RECIPES / f'{stem}.py'))
    real = Config.fromfile(str(REPO / REAL[stem]))
    assert recipe.optim_wrapper.to_dict() == real.optim_wrapper.to_dict()
    assert recipe.train_dataloader.batch_size == real.train_dataloader.batch_size
    assert type(recipe.train_dataloader.sampler.type) is str and (
        recipe.train_dataloader.sampler.type == real.train_dataloader.sampler.type)

    def scheds(cfg):
        sched = cfg.param_scheduler
        sched = sched if isinstance(sched, list) else [sched]
        # the epoch count (T_max) is the one thing a recipe may scale
        return [{k: v for k, v in s.items() if k != 'T_max'} for s in sched]
    assert scheds(recipe) == scheds(real)
    # a shortened run keeps the schedule's shape: the cosine period scales with it
    for r_sched, g_sched in zip(*(c.param_scheduler if isinstance(c.param_scheduler, list)
                                  else [c.param_scheduler] for c in (recipe, real))):
        if 'T_max' in g_sched:
            assert r_sched['T_max'] * real.train_cfg.max_epochs == \
                g_sched['T_max'] * recipe.train_cfg.max_epochs, 'T_max not scaled'

    rh, gh = recipe.model.head, real.model.head
    for key in HEAD_KEYS:
        assert rh.get(key) == gh.get(key), key
    for name in ('loss', ):
        r, g = rh.get(name) or {}, gh.get(name) or {}
        for key in LOSS_KEYS:
            assert r.get(key) == g.get(key), f'{name}.{key}'
