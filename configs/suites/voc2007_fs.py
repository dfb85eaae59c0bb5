# Multi-label few-shot on VOC2007 (HP-DVAL Table II): base training, then K-shot
# adaptation on the novel classes over 10 episodes, K in {1, 5}; novel mAP per method.
#   python tools/run_suite.py configs/suites/voc2007_fs.py --launcher pytorch --gpus 8
title = 'VOC2007 multi-label few-shot (novel mAP)'
work_dir = 'work_dirs/suites/voc2007_fs'
protocol = 'fewshot'
fewshot_args = ['--shots', '1', '5', '--episodes', '1-10']
methods = [
    dict(name=name, stages=[dict(config=f'configs/hpdval/fewshot/{stem}_vit-b16_voc2007-fs.py')])
    for name, stem in (('Zero-shot CLIP', 'zeroshot-clip'), ('CoOp', 'coop'),
                       ('HP-DVAL', 'hpdval'))
]
