# Multi-label few-shot on COCO2014 (HP-DVAL Table II; methods in _base_/fewshot_methods.py).
#   python tools/run_suite.py configs/suites/coco2014_fs.py --launcher pytorch --gpus 8
_base_ = ['./_base_/fewshot_methods.py']
title = 'COCO2014 multi-label few-shot (novel mAP)'
work_dir = 'work_dirs/suites/coco2014_fs'
variables = dict(dataset='coco2014')
