# The offline demo as `make test` runs it (tests/tools/test_demo_reduced.py): every
# offline method through tools/train.py and tools/test.py on its own world, with a
# 200-step small CLIP (the full demo's has 1,000 steps), one seed, one epoch for the
# stages that train on images, two methods at a time. It checks the pipeline, not the
# methods' order: that depends on the CLIP (README, "Offline claims over CLIPs").
_base_ = ['./offline_demo.py']
work_dir = 'work_dirs/demo_reduced'
variables = dict(data='{work_dir}/data', clip_steps='200')
seeds = [0]
tag_options = dict(images=[
    'train_cfg.max_epochs=1', 'train_cfg.val_interval=1', 'param_scheduler.T_max=1'
])
jobs = 2
