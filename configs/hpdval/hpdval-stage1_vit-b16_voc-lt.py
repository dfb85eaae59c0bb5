# HP-DVAL stage 1 on VOC-LT as the HP-DVAL code computes it (jiexuanyan/hp_dval: its
# CLIPVIT with the prompt learner frozen, trained by coco_runner.py's recipe): CLIP
# ViT-B/16's visual and text towers trained with the code's score and its DB-focal
# loss (`ResampleLoss` of `src/loss_functions/dbl.py`: the focal factor from the
# batch-mean BCE, positive logits scaled by pos_scale 10.0); AdamW + OneCycle, EMA 0.998,
# batch 16. The paper's equations instead: hpdval-stage1_vit-b16_voc-lt_paper.py.
# Every value and its source: configs/hpdval/README.md. Its final checkpoint
# (work_dirs/hpdval-stage1_vit-b16_voc-lt/epoch_79.pth, EMA weights) is the
# `load_from` of hpdval-stage2_vit-b16_voc-lt.py.
_base_ = [
    '../_base_/models/hpdval-code_vit-b16.py', '../_base_/datasets/voc_lt.py',
    '../_base_/schedules/hpdval-code_adamw_onecycle_bs16.py',
    '../_base_/default_runtime.py', '../_base_/methods/hpdval.py'
]
method_name = 'HP-DVAL stage 1 (DVAL)'

# The code's DB loss is the LMPT code's `ResampleLoss` (the same `dbl.py`), with the
# stage-1 runner's pos_scale (coco_runner.py 239 / 248).
model = dict(head=dict(
    _base_.hpdval_code_head, classes=_base_.class_names,
    loss=dict(_base_.lmpt_code_db_loss,
              logit_reg=dict(_base_.lmpt_code_db_loss['logit_reg'], pos_scale=10.0))))
train_dataloader = dict(
    batch_size=16,
    dataset=dict(with_caption=False, pipeline=_base_.hpdval_code_train_pipeline))
val_dataloader = dict(batch_size=16,
                      dataset=dict(pipeline=_base_.hpdval_code_test_pipeline))
test_dataloader = val_dataloader
custom_hooks = _base_.custom_hooks + [_base_.hpdval_code_ema_hook]
# The code's epoch loop starts at 1 and stops by an assert at epoch 80
# (utils/LT_engine_grouplr.py 134-137): 79 epochs of the 80-epoch cycle.
train_cfg = dict(max_epochs=79)
