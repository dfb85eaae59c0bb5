# COCO-LT: every shipped method x 3 seeds, paired differences to zero-shot CLIP and CoOp.
#   python tools/run_suite.py configs/suites/coco_lt.py --launcher pytorch --gpus 8
_base_ = ['./_base_/lt_methods.py']
title = 'COCO-LT (1,909 train images, COCO2017 val)'
work_dir = 'work_dirs/suites/coco_lt'
variables = dict(dataset='coco-lt')
train_ann = 'data/coco/coco_lt_train.txt'
