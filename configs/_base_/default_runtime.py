# Runtime shared by every lmpt_mm config.
custom_imports = dict(imports=['lmpt_mm'], allow_failed_imports=False)
default_scope = 'mmpretrain'

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=20),
    param_scheduler=dict(type='ParamSchedulerHook'),
    # Keep the last checkpoints only: final-epoch evaluation, no selection on test.
    # AtomicCheckpointHook: MMEngine's CheckpointHook that never leaves a partial file.
    checkpoint=dict(type='AtomicCheckpointHook', interval=1, max_keep_ckpts=2),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='VisualizationHook', enable=False),
)
# The safety hooks (lmpt_mm.engine.safety): tools/train.py and tools/test.py warn,
# naming each one a config lacks, and add none themselves.
custom_hooks = [
    dict(type='SafeCheckpointHook'),  # weights_only-loadable checkpoints
    dict(type='EpochSeedHook'),  # exact resume
    dict(type='ClassStatsHook'),  # class statistics from the train split
    dict(type='ClassListCheckHook'),  # the head's classes against the data
    dict(type='EvalImagesCheckHook'),  # val/test images exist before training
    # Stops at the first NaN/inf loss or runaway parameter; its bounds are the
    # top-level `divergence_guard = dict(max_abs_param=..., ...)`, which the tools
    # pass to this entry.
    dict(type='NonFiniteLossHook'),
    # Resumed and tested checkpoints must fit the model (load_from of a train run,
    # e.g. HP-DVAL stage 2 from stage 1, may initialise a different one).
    dict(type='StrictCheckpointLoadHook'),
]
# DDP that also runs on CPU (gloo); tools/train.py picks the backend.
model_wrapper_cfg = dict(type='DeviceAgnosticDDP', broadcast_buffers=False,
                         find_unused_parameters=False)

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
