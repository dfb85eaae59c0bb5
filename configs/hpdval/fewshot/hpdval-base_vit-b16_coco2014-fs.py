# HP-DVAL's few-shot base training on the MS-COCO 2014 base classes as the HP-DVAL code
# computes it (jiexuanyan/hp_dval `fsl_runner.py`; every value's source in README.md):
# its CLIPVIT - CLIP ViT-B/16's visual tower trained, the text tower and the prompt
# ('a photo of a {class}.') frozen (`fsl_runner.py` 200-204) - with the code's score
# at the setting its base checkpoints name (alpha 0.4 on the local view, top-32), the
# asymmetric loss, AdamW with weight decay on >= 2-D weights, OneCycle over 80 epochs
# (beta_1 cycled), EMA 0.998, Cutout + RandAugment, inputs not normalised, batch 32.
# The code's loop trains epochs 1-18 (an assert stops it at 19, `utils/engine_grouplr.py`
# 129-132); we keep the final EMA weights (the code keeps its best base-test epoch).
_base_ = [
    '../../_base_/models/hpdval-code_vit-b16.py',
    '../../_base_/datasets/coco2014_fewshot.py',
    '../../_base_/schedules/hpdval-code_adamw_onecycle_bs16.py',
    '../../_base_/default_runtime.py', '../../_base_/methods/hpdval.py'
]
method_name = 'HP-DVAL base (code form)'

model = dict(head=dict(_base_.hpdval_code_head, train_text_encoder=False, alpha=0.4,
                       local_topk=32, classes=_base_.base_classes, loss=_base_.asl_loss))
train_dataloader = dict(batch_size=32,
                        dataset=dict(pipeline=_base_.hpdval_code_train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=_base_.hpdval_code_test_pipeline))
test_dataloader = dict(dataset=dict(pipeline=_base_.hpdval_code_test_pipeline))
train_cfg = dict(max_epochs=18, val_interval=18)
auto_scale_lr = dict(base_batch_size=32)
custom_hooks = _base_.custom_hooks + [_base_.hpdval_code_ema_hook]
