# The offline world's HP-DVAL stage-1 model (DVAL), as configs/_base_/models/
# hpdval_vit-b16.py without its classes and loss. There is no ImageNet student offline:
# the student is a trainable copy of the small CLIP's image encoder (its [CLS] and patch
# tokens), the teacher the frozen small CLIP (configs/_base_/models/clip_synth-vit.py);
# dual-view scores (alpha 0.4, top-32 of the 64 local tokens) against
# 'a photo of a {class}.'; L1 distillation to the teacher.
_base_ = ['./clip_synth-vit.py']

model = dict(
    _delete_=True,
    type='HPDVALClassifier',
    backbone=dict(type='CLIPImageEncoder', arch=_base_.clip_arch,
                  pretrained=_base_.clip_pretrained, frozen=False, return_local=True),
    # The student is a CLIP image encoder, already in the joint space: a residual
    # embedding head starts from its own embedding (see DualViewEmbeddingNeck).
    neck=dict(type='DualViewEmbeddingNeck', hidden_channels=None, residual=True),
    head=dict(
        type='DVALHead', arch=_base_.clip_arch, pretrained=_base_.clip_pretrained,
        alpha=0.4, local_topk=32, template='a photo of a {}.'),
    teacher=dict(type='CLIPImageEncoder', arch=_base_.clip_arch,
                 pretrained=_base_.clip_pretrained),
    kd_weight=1.0,
    data_preprocessor=_base_.model.data_preprocessor)
