# VOC-LT: every shipped method x 3 seeds, paired differences to zero-shot CLIP and CoOp.
#   python tools/run_suite.py configs/suites/voc_lt.py --launcher pytorch --gpus 8
_base_ = ['./_base_/lt_methods.py']
title = 'VOC-LT (1,142 train images, VOC2007 test)'
work_dir = 'work_dirs/suites/voc_lt'
variables = dict(dataset='voc-lt')
train_ann = 'data/voc/voc_lt_train.txt'
