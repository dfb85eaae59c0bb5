# HP-DVAL, multi-label few-shot on VOC2007 (Table II): base stages 1 and 2, then per
# episode the student (backbone + embedding neck) adapted on the support set with the
# published evaluation's recipe - prompts and text encoder frozen, AdamW lr 1e-5, betas
# (0.9, 0.9), wd 1e-4, asymmetric loss, 150 epochs, last epoch evaluated.
#   python tools/fewshot.py configs/hpdval/fewshot/hpdval_vit-b16_voc2007-fs.py \
#       --shots 1 5 --episodes 1-10
_base_ = ['./hpdval-base-stage2_vit-b16_voc2007-fs.py']
method_name = 'HP-DVAL'
model = dict(freeze_student=False, head=dict(classes=_base_.novel_classes))
train_dataloader = _base_.support_dataloader
val_dataloader = None
val_evaluator = None
val_cfg = None
optim_wrapper = dict(_delete_=True, optimizer=dict(
    type='AdamW', lr=1e-5, betas=(0.9, 0.9), eps=1e-8, weight_decay=1e-4))
param_scheduler = None
train_cfg = dict(_delete_=True, by_epoch=True, max_epochs=150, val_interval=1000)
auto_scale_lr = dict(base_batch_size=64)
fewshot = dict(base_stages=['hpdval-base-stage1_vit-b16_voc2007-fs.py',
                            'hpdval-base-stage2_vit-b16_voc2007-fs.py'],
               adapt=True, frozen_modules=['head'], map_key='fewshot/mAP')
