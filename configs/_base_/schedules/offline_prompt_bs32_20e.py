# Prompt tuning on the offline world: SGD (momentum 0.9, weight decay 1e-4; LMPT's
# optimiser), cosine, 20 epochs of the 1,142 train images at batch 32 (CPU minutes),
# final-epoch evaluation, clipping at global norm 0.1: what `make select` first chose
# (CoOp's lr and the clipping rule). The configs `make select` tunes set their own lr
# and the rule it now chooses (norm 1.0; each offline config says how it was chosen);
# the others (CoCoOp, the ablation variants, the few-shot CoOp base) keep these values.
# CLIP logits have no bias, so the first steps of a sigmoid loss push every class's
# logit down at once; unclipped steps wreck the prompts.
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
