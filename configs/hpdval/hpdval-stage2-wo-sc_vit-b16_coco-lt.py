# Ablation "w/o semantic consistency" on COCO-LT: stage 2 without L_sc (sc_weight = 0),
# from the same stage-1 checkpoint as hpdval-stage2_vit-b16_coco-lt_paper.py.
_base_ = ['./hpdval-stage2_vit-b16_coco-lt_paper.py']
method_name = 'HP-DVAL w/o semantic consistency'

model = dict(head=dict(sc_weight=0.0))
