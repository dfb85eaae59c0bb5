# HP-DVAL as its paper writes it (the HP-DVAL code's form:
# hpdval_vit-b16_coco2014-fs.py), multi-label few-shot on MS-COCO 2014 (Table II): base
# stages 1 and 2, then per episode the stage-2 model's student (backbone + embedding
# neck) adapted on the support set with the published evaluation's recipe - prompts and
# text encoder frozen, AdamW lr 1e-5, betas (0.9, 0.9), wd 1e-4, asymmetric loss, 150
# epochs, last epoch evaluated (configs/_base_/schedules/fewshot_adapt_adamw.py, batch
# 64).
#   python tools/fewshot.py configs/hpdval/fewshot/hpdval_vit-b16_coco2014-fs_paper.py \
#       --shots 1 5 --episodes 1-10
_base_ = [
    '../../_base_/models/hpdval_vit-b16.py',
    '../../_base_/datasets/coco2014_fewshot.py',
    '../../_base_/schedules/fewshot_adapt_adamw.py', '../../_base_/default_runtime.py',
    '../../_base_/methods/hpdval.py', '../../_base_/methods/fewshot.py'
]
method_name = 'HP-DVAL'
model = dict(_base_.hpt_model, freeze_student=False,
             head=dict(_base_.hpt_head, **_base_.dval_lt_head,
                       classes=_base_.novel_classes, loss=_base_.asl_loss))
train_dataloader = _base_.support_dataloader
val_dataloader = None
val_evaluator = None
auto_scale_lr = dict(base_batch_size=64)
fewshot = dict(_base_.fewshot_adapt,
               base_stages=['hpdval-base-stage1_vit-b16_coco2014-fs_paper.py',
                            'hpdval-base-stage2_vit-b16_coco2014-fs_paper.py'])
