# Recipe smoke: the real class-specific CoOp recipe
# (configs/coop/coop-csc_vit-b16_voc-lt.py) on the offline world; changes as in
# coop_recipe_synth-vit_synth-lt.py.
_base_ = ['./coop_recipe_synth-vit_synth-lt.py']

model = dict(head=dict(prompt_learner=dict(csc=True)))
