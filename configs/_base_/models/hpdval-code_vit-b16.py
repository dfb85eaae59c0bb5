# HP-DVAL's stage-1 model as the HP-DVAL code builds it (`models/prompt_model.py` of
# jiexuanyan/hp_dval, its `CLIPVIT`), without classes and loss: the student is CLIP
# ViT-B/16's own visual tower, trained in full, its [CLS] and patch tokens through
# `ln_post` and `proj` (no embedding head: the code's `projection` MLP is never
# called); the text tower trains too, both views are scored against 'a photo of a
# {class}.' (the code's prompt learner, frozen at that phrase in stage 1) with the
# code's score (configs/_base_/methods/hpdval.py, `hpdval_code_head`); no teacher (the
# code's L_kd line cannot run, configs/hpdval/README.md). Inputs are not normalised
# (its loaders end with ToTensor()). Sources of every value: configs/hpdval/README.md.
_base_ = ['./clip_vit-b16.py']

model = dict(
    _delete_=True,
    type='HPDVALClassifier',
    backbone=dict(type='CLIPImageEncoder', arch=_base_.clip_arch,
                  pretrained=_base_.clip_pretrained, frozen=False, return_local=True),
    neck=None,
    head=dict(type='DVALHead', arch=_base_.clip_arch, pretrained=_base_.clip_pretrained,
              train_text_encoder=True),
    teacher=None,
    # pixels / 255, RGB: torchvision's ToTensor()
    data_preprocessor=dict(type='ClsDataPreprocessor', mean=[0.0, 0.0, 0.0],
                           std=[255.0, 255.0, 255.0], to_rgb=True))
