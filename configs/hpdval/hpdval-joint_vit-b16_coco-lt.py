# Ablation "single-stage joint training" on COCO-LT: the student (from ImageNet weights,
# trainable), the embedding head and the global/local prompts (stage 2's,
# configs/_base_/methods/hpdval.py) learnt together in one stage with L_cls (DB*) +
# L_kd + L_sc, on the stage-1 recipe (AdamW lr 1e-5, 20 epochs, batch 32; the paper
# does not give the joint run's schedule).
_base_ = ['./hpdval-stage1_vit-b16_coco-lt_paper.py']
method_name = 'HP-DVAL joint single-stage'

model = dict(head=_base_.hpt_head)
