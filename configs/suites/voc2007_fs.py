# Multi-label few-shot on VOC2007 (HP-DVAL Table II; methods in _base_/fewshot_methods.py).
#   python tools/run_suite.py configs/suites/voc2007_fs.py --launcher pytorch --gpus 8
_base_ = ['./_base_/fewshot_methods.py']
title = 'VOC2007 multi-label few-shot (novel mAP)'
work_dir = 'work_dirs/suites/voc2007_fs'
variables = dict(dataset='voc2007')
