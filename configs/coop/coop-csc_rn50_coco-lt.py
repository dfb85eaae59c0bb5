# CoOp, class-specific contexts, with CLIP RN50: as coop-csc_vit-b16_coco-lt.py, other
# CLIP model.
_base_ = ['./coop_rn50_coco-lt.py']

model = dict(head=dict(prompt_learner=dict(csc=True)))
