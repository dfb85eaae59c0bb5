# CoOp on the offline world's 14 base classes (few-shot base training): the shared
# 4-token context of the offline CoOp (initialised from 'a photo of a') with the
# asymmetric loss of the published few-shot code, on cached features; the offline
# prompt schedule (SGD lr 5e-4, clipping 0.1, 20 epochs; see that file).
_base_ = [
    '../../../_base_/models/clip_synth-vit.py', '../../../_base_/datasets/synthetic_fewshot.py',
    '../../../_base_/schedules/offline_prompt_bs32_20e.py',
    '../../../_base_/default_runtime.py'
]
method_name = 'CoOp (base classes)'
model = dict(head=dict(type='CoOpHead', classes=_base_.base_classes,
                       prompt_learner=dict(n_ctx=4, csc=False, ctx_init='a photo of a'),
                       loss=_base_.asl_loss))
feature_cache = dict(enable=True)
