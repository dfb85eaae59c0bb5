# Prompt tuning on the offline world: LMPT's optimiser (SGD, lr 5e-4, momentum 0.9,
# weight decay 1e-4) for every prompt method, cosine, 20 epochs of the 1,142 train
# images at batch 32 (CPU minutes). Final-epoch evaluation. CoOp's own lr (2e-3) made
# CoOp fall below zero-shot on this world (README, offline demo).
# The gradient norm is clipped: CLIP logits have no bias, so the first steps of a
# sigmoid loss push every class's logit down at once, and unclipped steps wreck the
# prompts (CoOp fell from the zero-shot 36 mAP to 20 within a few epochs without it).
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=5e-4, momentum=0.9, weight_decay=1e-4),
    clip_grad=dict(max_norm=0.1))
param_scheduler = dict(
    type='CosineAnnealingLR', by_epoch=True, T_max=20, eta_min=0.0,
    convert_to_iter_based=True)
train_cfg = dict(by_epoch=True, max_epochs=20, val_interval=20)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=32)
