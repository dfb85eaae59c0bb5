# The offline demo as `make test` runs it (tests/tools/test_demo_reduced.py): the
# offline methods (all but three ResNets, below) through tools/train.py and
# tools/test.py, on a smaller world (a quarter of the images of every split and of the
# pretraining corpus), with a 100-step small CLIP (the full demo's has 1,000 steps), one
# seed, two epochs for every trained stage and one for the stages that train on images,
# two methods at a time. It checks the pipeline, not the methods' order: that depends
# on the CLIP (README, "Claims over small CLIPs").
_base_ = ['./offline_demo.py']
work_dir = 'work_dirs/demo_reduced'
variables = dict(data='{work_dir}/data', clip_steps='100', world_scale='0.25',
                 world_train_scale='0.25')
seeds = [0]
# '?': only where param_scheduler is one (cosine) schedule; HP-DVAL's code form cycles
# over max_epochs.
train_options = _base_.train_options + [
    'train_cfg.max_epochs=2', 'train_cfg.val_interval=2', '?param_scheduler.T_max=2'
]
tag_options = dict(images=[
    'train_cfg.max_epochs=1', 'train_cfg.val_interval=1', '?param_scheduler.T_max=1'
])
# One run per kind of pipeline keeps `make test` within its 8 minutes: ERM stands for
# the ResNets that change only the loss (ASL, RW) or add a class-aware sampler
# (DB-Focal); LTML (two branches, two samplers) runs. Their losses have one-step parity
# tests (tests/configs/test_parity_resnet_baselines.py, test_recipe_parity.py).
methods = [m for m in _base_.methods if m['name'] not in ('DB-Focal', 'ASL', 'RW')]
jobs = 2
