# HP-DVAL stage 1 (DVAL, dual-view alignment) on VOC-LT (spec hp_dval.md): an
# ImageNet ViT-B/16 student, trained in full, with a 2-layer embedding head into CLIP
# ViT-B/16's joint space; dual-view scores (alpha 0.4, top-32 local tokens) against the
# fixed prompts 'a photo of a {class}.'; loss DB* + L1 distillation to the frozen CLIP
# image encoder. Its final checkpoint (work_dirs/hpdval-stage1_vit-b16_voc-lt/
# epoch_20.pth) is the `load_from` of hpdval-stage2_vit-b16_voc-lt.py.
_base_ = [
    '../_base_/datasets/voc_lt.py', '../_base_/schedules/hpdval_adamw_bs32_20e.py',
    '../_base_/default_runtime.py'
]
method_name = 'HP-DVAL stage 1 (DVAL)'

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
        classes=_base_.class_names,
        alpha=0.4,
        local_topk=32,
        template='a photo of a {}.',
        # The scores enter DB* as the paper writes them, the cosine-scale s_i itself
        # (tau = 1). 'clip' (CLIP's exp(logit_scale) = 100) changes what DB* does to
        # the positives (configs/hpdval/README.md); 'learned' trains tau.
        score_scale=1.0,
        # DB* (the paper's best loss): the DB-loss paper's VOC-LT settings with the
        # positive logit scaled by n_i / max_j n_j; class statistics from the train
        # split (ClassStatsHook).
        loss=dict(**_base_.db_loss, variant='db_star')),
    # L_kd = mean |f_CLIP(x) - f_cls(x)| toward the frozen CLIP image encoder.
    teacher=dict(type='CLIPImageEncoder', arch=clip_arch, pretrained=clip_pretrained),
    kd_weight=1.0,
    # The student's own input normalisation (that of the checkpoint above); the
    # teacher's input is re-normalised to CLIP's statistics inside the model.
    data_preprocessor=dict(
        type='ClsDataPreprocessor', mean=[127.5, 127.5, 127.5],
        std=[127.5, 127.5, 127.5], to_rgb=True))

# Batch 32; HP-DVAL uses no captions.
train_dataloader = dict(batch_size=32, dataset=dict(with_caption=False))
