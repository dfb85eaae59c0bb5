# Ablation "w/o local view", stage 1 on COCO-LT: hpdval-stage1_vit-b16_coco-lt_paper.py with
# alpha = 1 (global [CLS] view only). Its stage 2 is
# hpdval-stage2-wo-local_vit-b16_coco-lt.py.
_base_ = ['./hpdval-stage1_vit-b16_coco-lt_paper.py']
method_name = 'HP-DVAL w/o local view, stage 1'

model = dict(head=dict(alpha=1.0))
