# Runtime shared by every lmpt_mm config.
custom_imports = dict(imports=['lmpt_mm'], allow_failed_imports=False)
default_scope = 'mmpretrain'

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=20),
    param_scheduler=dict(type='ParamSchedulerHook'),
    # Keep the last checkpoints only: final-epoch evaluation, no selection on test.
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=2),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='VisualizationHook', enable=False),
)
# tools/train.py adds these to every run as well (safe checkpoints, exact resume,
# class statistics from the train split, the head's classes checked against the
# data); listed here so plain Runner use gets them.
custom_hooks = [
    dict(type='SafeCheckpointHook'),
    dict(type='EpochSeedHook'),
    dict(type='ClassStatsHook'),
    dict(type='ClassListCheckHook'),
]

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    # tools/train.py switches to gloo when no GPU is present.
    dist_cfg=dict(backend='nccl'),
)
vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='UniversalVisualizer', vis_backends=vis_backends)
log_level = 'INFO'
load_from = None
resume = False
randomness = dict(seed=0, deterministic=False)
