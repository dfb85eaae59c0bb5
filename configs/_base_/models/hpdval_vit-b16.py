# HP-DVAL's model (spec: Huang et al., IEEE TIP, Section III) without its classes: an
# ImageNet ViT-B/16 student with the 2-layer embedding head into CLIP ViT-B/16's joint
# space, the dual-view DVAL head (alpha 0.4, top-32 local tokens, 'a photo of a
# {class}.') and the frozen CLIP image encoder as the distillation teacher - as
# configs/hpdval/hpdval-stage1_vit-b16_voc-lt.py. Configs set `head.classes` and the loss.
clip_arch = 'ViT-B-16'
clip_pretrained = 'checkpoints/clip/ViT-B-16.pt'
student_checkpoint = ('checkpoints/student/'
                      'vit-base-p16_in21k-pre-3rdparty_ft-64xb64_in1k-384.pth')
model = dict(
    type='HPDVALClassifier',
    backbone=dict(
        type='VisionTransformer', arch='b', img_size=224, patch_size=16, out_type='raw',
        init_cfg=dict(type='Pretrained', checkpoint=student_checkpoint,
                      prefix='backbone.')),
    neck=dict(type='DualViewEmbeddingNeck', hidden_channels=None),
    head=dict(type='DVALHead', arch=clip_arch, pretrained=clip_pretrained, alpha=0.4,
              local_topk=32, template='a photo of a {}.'),
    teacher=dict(type='CLIPImageEncoder', arch=clip_arch, pretrained=clip_pretrained),
    kd_weight=1.0,
    data_preprocessor=dict(type='ClsDataPreprocessor', mean=[127.5, 127.5, 127.5],
                           std=[127.5, 127.5, 127.5], to_rgb=True))
