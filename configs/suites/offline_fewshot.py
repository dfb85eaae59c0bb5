# The offline few-shot demo (`make fewshot-demo`): the multi-label few-shot protocol of
# HP-DVAL's Table II on the offline world (14 base / 6 novel classes, 10 episodes per K
# in {1, 5}) for zero-shot CLIP, CoOp and HP-DVAL (the paper's equations and the HP-DVAL
# code's computation, configs/offline/fewshot/*_code.py); tools/fewshot.py per method
# (resumable per episode). The world and the small CLIP are the offline demo's; the
# configs in configs/offline/fewshot/ read them from their default paths.
#   python tools/run_suite.py configs/suites/offline_fewshot.py
# Fewer adaptation epochs: --cfg-options "test_options=['train_cfg.max_epochs=2']".
title = 'offline world, multi-label few-shot (novel mAP)'
work_dir = 'work_dirs/fewshot_demo'
_base_ = ['./_base_/offline_world.py']
prepare = [
    _base_.world_step, _base_.clip_step,
    dict(name='few-shot split -> {data}/fewshot',
         command=['tools/make_synthetic_fewshot.py', '--world', '{data}']),
]
protocol = 'fewshot'
fewshot_args = ['--shots', '1', '5', '--episodes', '1-10']
methods = [
    dict(name=name, stages=[dict(config=f'configs/offline/fewshot/{stem}.py')])
    for name, stem in (('Zero-shot CLIP', 'zeroshot-clip_synth-vit_synth-fs'),
                       ('CoOp', 'coop_synth-vit_synth-fs'),
                       ('HP-DVAL', 'hpdval_synth-vit_synth-fs'),
                       ('HP-DVAL (code form)', 'hpdval_synth-vit_synth-fs_code'))
]
