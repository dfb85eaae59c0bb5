# DualCoOp (Sun et al., NeurIPS 2022) on COCO-LT with CLIP ViT-B/16: a positive and a
# negative learned prompt per class (16 context tokens each, shared contexts), region
# (patch-token) logits aggregated per class by a spatial softmax, 2-way softmax of the
# positive and negative logits; asymmetric loss. Trained on LMPT's schedule so that the
# prompt-tuning methods compare under one recipe.
_base_ = [
    '../_base_/models/clip_vit-b16.py', '../_base_/datasets/coco_lt.py',
    '../_base_/schedules/lmpt_bs64_cosine_50e.py', '../_base_/default_runtime.py'
]
method_name = 'DualCoOp'

model = dict(
    # The head needs the local tokens (ViT patch tokens / RN attention-pool inputs).
    backbone=dict(return_local=True),
    head=dict(
        type='DualCoOpHead',
        classes=_base_.class_names,
        prompt_learner=dict(
            n_ctx=16, csc=False, ctx_init=None, class_token_position='end'),
        spatial_scale=1.0,
        # MMPretrain's asymmetric loss with its default focusing parameters.
        loss=dict(
            type='AsymmetricLoss', use_sigmoid=True, gamma_pos=0.0, gamma_neg=4.0,
            clip=0.05)))
