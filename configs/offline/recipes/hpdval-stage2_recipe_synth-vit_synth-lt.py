# Recipe smoke: the real paper-form HP-DVAL stage-2 recipe (configs/hpdval/
# hpdval-stage2_vit-b16_voc-lt_paper.py) on the offline world, from the stage-1
# recipe's last checkpoint (configs/suites/offline_recipes.py passes load_from). Changed: model and
# data as stage
# 1. Optimiser (AdamW lr 5e-6, weight decay 1e-4, no clipping), 10 epochs, batch 32,
# prompts (two shared 4-token contexts, N(0, 0.02)), DB* at the raw cosine scale and
# L_sc are real.
_base_ = ['./hpdval-stage1_recipe_synth-vit_synth-lt.py']
method_name = 'HP-DVAL'

load_from = 'work_dirs/recipes/hpdval-stage1_recipe_synth-vit_synth-lt/epoch_10.pth'

# The real stage-2 head and optimiser (configs/_base_/methods/hpdval.py).
model = dict(freeze_student=True, teacher=None, head=_base_.hpt_head)
optim_wrapper = dict(_base_.hpt_optim_wrapper, _delete_=True)
param_scheduler = dict(T_max=10)
train_cfg = dict(max_epochs=10, val_interval=10)
