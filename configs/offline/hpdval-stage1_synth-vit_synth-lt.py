# HP-DVAL stage 1 (DVAL) on the offline world in the paper's equations (the demo's
# 'HP-DVAL' row; the release's computation: hpdval-stage1_synth-vit_synth-lt_code.py):
# the offline HP-DVAL model (configs/_base_/models/hpdval_synth-vit.py: no ImageNet
# student offline, the student
# is a trainable copy of the small CLIP's image encoder, the teacher the frozen small
# CLIP; dual-view scores with alpha 0.4, top-32 of the 64 local tokens), DB* + L1 KD.
# Not selected on val: `make select` tunes stage 2 on this stage's checkpoint. A
# stage-1 sweep on the validation split would be
#   python tools/sweep.py configs/offline/hpdval-stage1_synth-vit_synth-lt.py \
#     --split val \
#     --grid model.head.alpha=1.0,0.4 model.head.local_topk=8,32
_base_ = [
    '../_base_/models/hpdval_synth-vit.py', '../_base_/datasets/synthetic_lt.py',
    '../_base_/default_runtime.py', '../_base_/methods/hpdval.py'
]
method_name = 'HP-DVAL stage 1 (DVAL)'

model = dict(head=dict(classes=_base_.class_names,
                       loss=dict(_base_.db_loss, variant='db_star')))

train_dataloader = dict(dataset=dict(with_caption=False))
optim_wrapper = dict(
    optimizer=dict(type='AdamW', lr=1e-4, weight_decay=1e-4))
param_scheduler = dict(
    type='CosineAnnealingLR', by_epoch=True, T_max=8, eta_min=0.0,
    convert_to_iter_based=True)
train_cfg = dict(by_epoch=True, max_epochs=8, val_interval=8)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=32)
