# Prompt tuning on the offline world: SGD (momentum 0.9, weight decay 1e-4; LMPT's
# optimiser), cosine, 20 epochs of the 1,142 train images at batch 32 (CPU minutes),
# final-epoch evaluation. lr 5e-4 is CoOp's val choice; methods whose val choice differs
# set their own (each offline config says how `make select` chose it).
# One clipping rule for every prompt method, chosen on val by `make select`: the global
# gradient norm at 0.1, the rule with the best mean over the four methods of their best
# val mAP (the scores: work_dirs/selection/selection.md and the README). CLIP logits
# have no bias, so the first steps of a sigmoid loss push every class's logit down at
# once; unclipped steps wreck the prompts.
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
