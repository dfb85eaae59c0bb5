# HP-DVAL stage 2 (HPT) on VOC-LT as the HP-DVAL code computes it (coco_runner_dual.py +
# utils/dual_LT_engine_grouplr.py of jiexuanyan/hp_dval): stage 1's model frozen and
# loaded from its final (EMA) checkpoint; global and local 4-token contexts from
# 'a photo of a' and the two view temperatures learn; loss: the code's DB-focal (no
# pos_scale in stage 2) + L_sc on the local prompts; AdamW + OneCycle, EMA 0.998,
# batch 16. The paper's equations instead: hpdval-stage2_vit-b16_voc-lt_paper.py.
# Every value and its source: configs/hpdval/README.md.
#
# Run stage 1 first with its default work dir:
#   python tools/train.py configs/hpdval/hpdval-stage1_vit-b16_voc-lt.py
#   python tools/train.py configs/hpdval/hpdval-stage2_vit-b16_voc-lt.py
# (with another stage-1 work dir: --cfg-options load_from=<dir>/epoch_79.pth).
_base_ = ['./hpdval-stage1_vit-b16_voc-lt.py']
method_name = 'HP-DVAL'

# Stage 1's last checkpoint (its EMA weights): both towers; the prompt contexts are new
# (reported as missing keys when loading, as expected).
load_from = 'work_dirs/hpdval-stage1_vit-b16_voc-lt/epoch_79.pth'
model = dict(
    _base_.hpdval_code_hpt_model,
    head=dict(_base_.hpdval_code_hpt_head, loss=dict(logit_reg=dict(pos_scale=1.0))))
# The stage-2 engine stops by an assert at epoch 50 (utils/dual_LT_engine_grouplr.py
# 132-135), its loop starting at 1: 49 epochs of the same 80-epoch cycle.
train_cfg = dict(max_epochs=49)
