# HP-DVAL stage 1 (DVAL) on the offline world. There is no ImageNet student offline:
# the student is a trainable copy of the small CLIP's image encoder (its [CLS] and
# patch tokens), the teacher the frozen small CLIP; dual-view scores (alpha 0.4,
# top-32 of the 64 local tokens) against 'a photo of a {class}.', DB* + L1 KD.
# Selection on the validation split (lt_val.txt; the test split is for the final
# number only):
#   python tools/sweep.py configs/offline/hpdval-stage1_synth-vit_synth-lt.py \
#     --split val \
#     --grid model.head.alpha=1.0,0.4 model.head.local_topk=8,32
# Val score: not run yet (README "What was run").
_base_ = [
    '../_base_/models/clip_synth-vit.py', '../_base_/datasets/synthetic_lt.py',
    '../_base_/default_runtime.py'
]
method_name = 'HP-DVAL stage 1 (DVAL)'

model = dict(
    _delete_=True,
    type='HPDVALClassifier',
    backbone=dict(type='CLIPImageEncoder', arch=_base_.clip_arch,
                  pretrained=_base_.clip_pretrained, frozen=False, return_local=True),
    # The student is a CLIP image encoder, already in the joint space: a residual
    # embedding head starts from its own embedding (see DualViewEmbeddingNeck).
    neck=dict(type='DualViewEmbeddingNeck', hidden_channels=None, residual=True),
    head=dict(
        type='DVALHead', arch=_base_.clip_arch, pretrained=_base_.clip_pretrained,
        classes=_base_.class_names, alpha=0.4, local_topk=32,
        template='a photo of a {}.', loss=dict(**_base_.db_loss, variant='db_star')),
    teacher=dict(type='CLIPImageEncoder', arch=_base_.clip_arch,
                 pretrained=_base_.clip_pretrained),
    kd_weight=1.0,
    data_preprocessor=_base_.model.data_preprocessor)

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
