# HP-DVAL stage 1 (DVAL) on VOC-LT, the paper's form (the code's form:
# hpdval-stage1_vit-b16_voc-lt.py): the model of configs/_base_/models/
# hpdval_vit-b16.py trained with DB*. Its final checkpoint
# (work_dirs/hpdval-stage1_vit-b16_voc-lt_paper/
# epoch_20.pth) is the `load_from` of hpdval-stage2_vit-b16_voc-lt_paper.py.
_base_ = [
    '../_base_/models/hpdval_vit-b16.py', '../_base_/datasets/voc_lt.py',
    '../_base_/schedules/hpdval_adamw_bs32_20e.py', '../_base_/default_runtime.py',
    '../_base_/methods/hpdval.py'
]
method_name = 'HP-DVAL stage 1 (DVAL)'

# DB* (the paper's best loss): the DB-loss paper's VOC-LT settings with the positive
# logit scaled by n_i / max_j n_j; class statistics from the train split
# (ClassStatsHook). The score scale: configs/_base_/methods/hpdval.py.
model = dict(head=dict(_base_.dval_lt_head, classes=_base_.class_names,
                       loss=dict(_base_.db_loss, variant='db_star')))
# Batch 32; HP-DVAL uses no captions.
train_dataloader = dict(batch_size=32, dataset=dict(with_caption=False))
