# DualCoOp on VOC-LT with CLIP RN50, as the DualCoOp release (sunxm2357/DualCoOp)
# computes it (configs/_base_/methods/dualcoop.py, `dualcoop_release_*`; recipe card
# configs/dualcoop/README.md): class-specific contexts, 1 + 14x14 regions at 448px
# (mean token + positions), ASL gamma_neg 2 / gamma_pos 1 with the focal weight
# detached, summed x loss_w, Cutout + RandAugment, SGD with a 1e-5 warm-up epoch then
# cosine. The paper form we shipped first: dualcoop_rn50_voc-lt_paper.py.
_base_ = [
    '../_base_/models/clip_vit-b16.py', '../_base_/datasets/voc_lt.py',
    '../_base_/schedules/dualcoop_bs32_warmup-cosine_50e.py',
    '../_base_/default_runtime.py', '../_base_/methods/dualcoop.py'
]

# A local copy of OpenAI's RN50.pt; 'openai' lets open_clip download it.
clip_arch = 'RN50'
clip_pretrained = 'checkpoints/clip/RN50.pt'
model = dict(
    backbone=dict(_base_.dualcoop_release_backbone, arch=clip_arch,
                  pretrained=clip_pretrained),
    head=dict(_base_.dualcoop_release_head, arch=clip_arch, pretrained=clip_pretrained,
              classes=_base_.class_names))

# README: 0.001 for VOC2007 (its rn50_ep50.yaml: 0.002)
dualcoop_lr = 1e-3
optim_wrapper = dict(optimizer=dict(lr=dualcoop_lr))
# MMEngine's ConstantLR scales epochs [begin, end - 1) and restores the base lr at
# epoch end - 1: end=2 gives the single warm-up epoch 0.
param_scheduler = [
    dict(type='ConstantLR', factor=_base_.dualcoop_warmup_lr / dualcoop_lr,
         by_epoch=True, begin=0, end=2),
    dict(type='CosineAnnealingLR', T_max=_base_.dualcoop_epochs, eta_min=0.0,
         by_epoch=True, begin=1, end=_base_.dualcoop_epochs),
]
train_dataloader = dict(
    batch_size=32, dataset=dict(pipeline=_base_.dualcoop_release_train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=_base_.dualcoop_release_test_pipeline))
test_dataloader = val_dataloader
