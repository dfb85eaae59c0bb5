# Zero-shot CLIP: prompt "a photo of a {class}.", no training. Evaluate with
# `python tools/test.py CONFIG none`.
method_name = 'Zero-shot CLIP'

zeroshot_head = dict(type='ZeroShotCLIPHead', templates='single')

# Nothing to train: a test-only config (MMEngine's Runner needs the train entries all
# set or all None). The dataset base's train_dataloader is set to None by the dataset
# configs (a key of another base cannot be set here).
train_cfg = None
optim_wrapper = None
param_scheduler = None
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=64)
