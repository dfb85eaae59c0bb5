# What the VOC2007 and MS-COCO 2014 few-shot splits of HP-DVAL share (voc2007_fewshot.py
# / coco2014_fewshot.py add the dataset's type, root, files and base / novel classes):
# 224px inputs, one loader per view - base training (train_dataloader), base test (val),
# novel test (test), K-shot support sets (`support_dataloader`; tools/fewshot.py sets
# shots and episode) - and the evaluator and loss of the published few-shot code.
meta_keys = ('sample_idx', 'img_path', 'ori_shape', 'img_shape', 'flip',
             'flip_direction')
# 224px as the published scripts (--image-size 224); RandAugment and Cutout of their
# base training are not used (recipe card, configs/hpdval/fewshot/README.md).
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(224, 224), interpolation='bicubic'),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs', meta_keys=meta_keys),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(224, 224), interpolation='bicubic'),
    dict(type='PackInputs', meta_keys=meta_keys),
]
# The HP-DVAL code's few-shot inputs (its `fsl_runner.py` / `utils/engine_fsl_val_TF.py`;
# the code-form configs of configs/hpdval/fewshot/): base training and test take the
# long-tailed code form's pipelines (configs/_base_/methods/hpdval.py: 224 x 224, Cutout
# then RandAugment for training, pixels not normalised; `fsl_runner.py` 84-85 COCO,
# 132-133 VOC); the support sets RandAugment only (`utils/engine_fsl_val_TF.py` 127
# COCO, 162 VOC). MMPretrain's RandAugment stands in for the `randaugment` package.
code_meta_keys = ('sample_idx', 'img_path', 'ori_shape', 'img_shape')
code_randaugment = dict(type='RandAugment', policies='timm_increasing', num_policies=2,
                        total_level=10, magnitude_level=9, magnitude_std=0.5,
                        hparams=dict(pad_val=128))
code_adapt_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(224, 224), interpolation='bilinear'), code_randaugment,
    dict(type='PackInputs', meta_keys=code_meta_keys),
]
train_dataloader = dict(
    batch_size=32, num_workers=4, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(view='base', pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=64, num_workers=4, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(view='base_test', pipeline=test_pipeline))
test_dataloader = dict(
    batch_size=64, num_workers=4, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(view='novel_test', pipeline=test_pipeline))
# batch 64: fsl_eval.py --batch-size
support_dataloader = dict(
    batch_size=64, num_workers=4, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(view='support', pipeline=train_pipeline))

# Novel mAP ranking the logits; MultiLabelMetric at threshold 0.5 (fsl_eval.py
# --threshold): macro = CP/CR/CF1, micro = OP/OR/OF1.
fewshot_evaluator = [
    dict(type='LogitAveragePrecision', prefix='fewshot'),
    dict(type='MultiLabelMetric', thr=0.5, average='macro', prefix='fewshot'),
    dict(type='MultiLabelMetric', thr=0.5, average='micro', prefix='fewshot'),
]
val_evaluator = fewshot_evaluator
test_evaluator = fewshot_evaluator

# Asymmetric loss (Ridnik et al., ICCV 2021) as the published few-shot scripts use it
# (fsl_runner.py / fsl_eval.py: gamma_neg 4, gamma_pos 0, clip 0.05, summed).
asl_loss = dict(type='AsymmetricLoss', gamma_pos=0.0, gamma_neg=4.0, clip=0.05,
                reduction='sum')
