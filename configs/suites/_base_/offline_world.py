# The offline world and its small CLIP, built before the runs of an offline suite (each
# tool skips its work when its output is up to date). Suites change the variables: the
# world's size (test / pretraining and train scale), where the CLIP goes, its
# pretraining steps and seed.
variables = dict(data='data/synthetic_lt', clip='work_dirs/demo/clip_synth.pt',
                 clip_steps='1000', clip_seed='0', world_scale='1.0',
                 world_train_scale='1.0')
world_step = dict(name='synthetic world -> {data}',
                  command=['tools/make_synthetic_lt.py', '--out', '{data}', '--scale',
                           '{world_scale}', '--train-scale', '{world_train_scale}'])
clip_step = dict(
    name='pretraining the small CLIP ({clip_steps} steps, seed {clip_seed}) -> {clip}',
    command=['tools/pretrain_clip.py', '--data', '{data}', '--out', '{clip}', '--steps',
             '{clip_steps}', '--seed', '{clip_seed}'])
prepare = [world_step, clip_step]
