# HP-DVAL stage 2 (HPT) on COCO-LT, the paper's form (Huang et al., HP-DVAL,
# Sec. III): the stage-1 student frozen and loaded from stage 1's final checkpoint;
# global and local 4-token prompt contexts; loss DB* + L_sc. AdamW lr 5e-6, 10 epochs,
# batch 32. Values and sources: configs/_base_/methods/hpdval.py.
#
# Run stage 1 first with its default work dir:
#   python tools/train.py configs/hpdval/hpdval-stage1_vit-b16_coco-lt_paper.py
#   python tools/train.py configs/hpdval/hpdval-stage2_vit-b16_coco-lt_paper.py
# (with another stage-1 work dir: --cfg-options load_from=<dir>/epoch_20.pth).
_base_ = ['./hpdval-stage1_vit-b16_coco-lt_paper.py']
method_name = 'HP-DVAL'

# Stage 1's last checkpoint: the student's weights (backbone.*, neck.*); the prompts
# are new (reported as missing keys when loading, as expected).
load_from = 'work_dirs/hpdval-stage1_vit-b16_coco-lt_paper/epoch_20.pth'
model = _base_.hpt_model
optim_wrapper = _base_.hpt_optim_wrapper
param_scheduler = _base_.hpt_param_scheduler
train_cfg = dict(max_epochs=10)
