# HP-DVAL, multi-label few-shot on the offline world as the HP-DVAL code computes it
# (configs/hpdval/fewshot/hpdval_vit-b16_voc2007-fs.py on the small CLIP; sources:
# configs/hpdval/fewshot/README.md): the code-form base model
# (base/hpdval-base_synth-vit_synth-fs_code.py), then per episode its visual tower
# adapted on the support set - text tower and prompts frozen, the code's score at its
# evaluation setting (alpha 0.5 on the local view, top-16), the asymmetric loss, AdamW
# lr 1e-5, betas (0.9, 0.9), RandAugment, inputs not normalised. Offline: 5 of the
# published 150 epochs, as the other offline few-shot configs. The paper's equations
# instead: hpdval_synth-vit_synth-fs.py.
_base_ = [
    '../../_base_/models/hpdval-code_synth-vit.py',
    '../../_base_/datasets/synthetic_fewshot.py',
    '../../_base_/schedules/fewshot_adapt_adamw.py', '../../_base_/default_runtime.py',
    '../../_base_/methods/hpdval.py', '../../_base_/methods/fewshot.py'
]
method_name = 'HP-DVAL'
model = dict(head=dict(_base_.hpdval_code_head, train_text_encoder=False,
                       classes=_base_.novel_classes, loss=_base_.asl_loss))
train_dataloader = dict(_base_.support_dataloader,
                        dataset=dict(_base_.support_dataloader['dataset'],
                                     pipeline=_base_.code_adapt_pipeline))
test_dataloader = dict(dataset=dict(pipeline=_base_.code_test_pipeline))
val_dataloader = None
val_evaluator = None
train_cfg = dict(max_epochs=5)
fewshot = dict(_base_.fewshot_adapt,
               base_stages=['base/hpdval-base_synth-vit_synth-fs_code.py'])
