# HP-DVAL's stage-1 model (DVAL, dual-view alignment; Huang et al., HP-DVAL, Sec. III)
# without its classes and loss: an ImageNet ViT-B/16 student, trained in full, with a
# 2-layer embedding head into CLIP ViT-B/16's joint space; dual-view scores (alpha 0.4,
# top-32 local tokens) against the fixed prompts 'a photo of a {class}.'; L1
# distillation to the frozen CLIP image encoder. Configs set `head.classes`, the loss
# and its score scale (configs/hpdval/, configs/hpdval/fewshot/).

# Local copies (README, "CLIP weights"): OpenAI's ViT-B-16.pt for the teacher and the
# text encoder, and an MMPretrain ImageNet ViT-B/16 classification checkpoint (keys
# `backbone.*`) for the student, e.g. the model zoo's
# vit-base-p16_in21k-pre-3rdparty_ft-64xb64_in1k-384 (its 384px position embeddings
# are resized to 224px on load).
clip_arch = 'ViT-B-16'
clip_pretrained = 'checkpoints/clip/ViT-B-16.pt'
student_checkpoint = ('checkpoints/student/'
                      'vit-base-p16_in21k-pre-3rdparty_ft-64xb64_in1k-384.pth')

model = dict(
    type='HPDVALClassifier',
    # Student: all tokens of the last layer ([CLS] + 14 x 14 patches at 224px).
    backbone=dict(
        type='VisionTransformer', arch='b', img_size=224, patch_size=16,
        out_type='raw',
        init_cfg=dict(type='Pretrained', checkpoint=student_checkpoint,
                      prefix='backbone.')),
    # 2-layer embedding head 768 -> 768 -> 512 (widths filled in from the student and
    # the CLIP model): [CLS] -> global view f_cls, patches -> local view f_j.
    neck=dict(type='DualViewEmbeddingNeck', hidden_channels=None),
    head=dict(
        type='DVALHead',
        arch=clip_arch,
        pretrained=clip_pretrained,
        alpha=0.4,
        local_topk=32,
        template='a photo of a {}.'),
    # L_kd = mean |f_CLIP(x) - f_cls(x)| toward the frozen CLIP image encoder.
    teacher=dict(type='CLIPImageEncoder', arch=clip_arch, pretrained=clip_pretrained),
    kd_weight=1.0,
    # The student's own input normalisation (that of the checkpoint above); the
    # teacher's input is re-normalised to CLIP's statistics inside the model.
    data_preprocessor=dict(
        type='ClsDataPreprocessor', mean=[127.5, 127.5, 127.5],
        std=[127.5, 127.5, 127.5], to_rgb=True))
