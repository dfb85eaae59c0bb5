# CoOp (Zhou et al., IJCV 2022) on the MS-COCO 2014 few-shot base classes: 16 shared
# context tokens on frozen CLIP ViT-B/16 (CoOp's setting; configs/_base_/methods/
# fewshot.py), asymmetric loss, the published few-shot base schedule (recipe card), on
# cached image features.
_base_ = [
    '../../_base_/models/clip_vit-b16.py', '../../_base_/datasets/coco2014_fewshot.py',
    '../../_base_/schedules/fewshot_base_adamw_onecycle_80e.py',
    '../../_base_/default_runtime.py', '../../_base_/methods/fewshot.py'
]
method_name = 'CoOp (base classes)'
model = dict(head=dict(_base_.fewshot_coop_head, classes=_base_.base_classes,
                       loss=_base_.asl_loss))
feature_cache = dict(enable=True)
