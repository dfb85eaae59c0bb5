# Ablation "w/o local view" on COCO-LT: HP-DVAL with alpha = 1 in both stages (global
# view and global prompts only; no local prompt is built). Loads the stage-1 run of
# hpdval-stage1-wo-local_vit-b16_coco-lt.py.
_base_ = ['./hpdval-stage2_vit-b16_coco-lt_paper.py']
method_name = 'HP-DVAL w/o local view'

load_from = 'work_dirs/hpdval-stage1-wo-local_vit-b16_coco-lt/epoch_20.pth'
model = dict(head=dict(alpha=1.0))
