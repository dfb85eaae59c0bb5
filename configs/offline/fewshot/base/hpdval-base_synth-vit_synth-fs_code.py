# HP-DVAL's few-shot base training on the offline world's 14 base classes as the HP-DVAL
# code computes it (configs/hpdval/fewshot/hpdval-base_vit-b16_voc2007-fs.py on the
# small CLIP; sources: configs/hpdval/fewshot/README.md): the code's model with the
# text tower and the prompt ('a photo of a {class}.') frozen and the visual tower
# trained, its score (alpha 0.4 on the local view, top-32, each view normalised over
# the classes), the asymmetric loss, AdamW with weight decay on >= 2-D weights, one
# OneCycle (beta_1 cycled), an EMA of all weights, Cutout + RandAugment, inputs not
# normalised, batch 32. Offline, ours: 2 epochs at peak lr 1e-4 (the paper-form base
# stage 1's, base/hpdval-stage1-base_synth-vit_synth-fs.py), one cycle over them, and
# the EMA horizon scaled to the run (below).
_base_ = [
    '../../../_base_/models/hpdval-code_synth-vit.py',
    '../../../_base_/datasets/synthetic_fewshot.py',
    '../../../_base_/schedules/hpdval-code_adamw_onecycle_bs16.py',
    '../../../_base_/default_runtime.py', '../../../_base_/methods/hpdval.py'
]
method_name = 'HP-DVAL base (code form)'

model = dict(head=dict(_base_.hpdval_code_head, train_text_encoder=False, alpha=0.4,
                       local_topk=32, classes=_base_.base_classes, loss=_base_.asl_loss))
train_dataloader = dict(batch_size=32, dataset=dict(pipeline=_base_.code_base_pipeline))
val_dataloader = dict(dataset=dict(pipeline=_base_.code_test_pipeline))
test_dataloader = dict(dataset=dict(pipeline=_base_.code_test_pipeline))
optim_wrapper = dict(optimizer=dict(lr=1e-4))
param_scheduler = [
    dict(type='OneCycleLRFromOptimizer', pct_start=0.1, by_epoch=True,
         convert_to_iter_based=True),
    dict(type='OneCycleMomentum', base_momentum=0.85, max_momentum=0.95, pct_start=0.1,
         by_epoch=True, convert_to_iter_based=True),
]
train_cfg = dict(max_epochs=2, val_interval=2)
auto_scale_lr = dict(base_batch_size=32)
# The code's EMA (decay 0.998) averages over about 500 steps, a quarter of its 18 base
# epochs on VOC2007 (3,575 images at batch 32: 2,016 steps); over the 56 steps here
# decay 0.9 averages over 10 steps, a sixth of the run.
custom_hooks = _base_.custom_hooks + [dict(_base_.hpdval_code_ema_hook, momentum=0.1)]
