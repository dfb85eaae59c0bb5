# ImageNet ResNet-50 + global average pooling + a linear multi-label head (MMPretrain's
# own components), as the DB-loss paper's baselines (their head is a 2048-256-C MLP with
# dropout; here the plain linear head of MMPretrain). The first stage is frozen as in
# their configs.
#
# ImageNet weights: torchvision's ResNet-50 (IMAGENET1K_V1, the `torchvision://resnet50`
# of the DB-loss code), downloaded once to the local path below (README, "ImageNet
# weights"); `checkpoint='torchvision://resnet50'` downloads it instead (needs network).
model = dict(
    type='ImageClassifier',
    backbone=dict(
        type='ResNet',
        depth=50,
        num_stages=4,
        out_indices=(3, ),
        frozen_stages=1,
        style='pytorch',
        init_cfg=dict(
            type='Pretrained', checkpoint='checkpoints/resnet/resnet50-0676ba61.pth')),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='MultiLabelLinearClsHead', in_channels=2048),
    data_preprocessor=dict(
        type='ClsDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        to_rgb=True))
