# The offline demo as `make test` runs it (tests/tools/test_demo_reduced.py): one seed,
# one epoch for the stages that train on images, two methods at a time. The world and
# the small CLIP are the full demo's.
_base_ = ['./offline_demo.py']
work_dir = 'work_dirs/demo_reduced'
variables = dict(data='{work_dir}/data')
seeds = [0]
tag_options = dict(images=[
    'train_cfg.max_epochs=1', 'train_cfg.val_interval=1', 'param_scheduler.T_max=1'
])
jobs = 2
