# Recipe smoke: the real HP-DVAL stage-1 recipe (configs/hpdval/
# hpdval-stage1_vit-b16_voc-lt_paper.py) on the offline world. Changed: the model (the
# offline HP-DVAL model: its student is a trainable copy of the small CLIP's image
# encoder, no ImageNet ViT offline), the data (synthetic world, 32px) and the epochs:
# 10 instead of 20 (CPU time; the cosine schedule spans the 10). Optimiser (AdamW lr
# 1e-5, weight decay 1e-4), batch 32, alpha 0.4, top-32, DB* at the raw cosine scale
# (score_scale=1.0) and L_kd are real.
_base_ = ['../hpdval-stage1_synth-vit_synth-lt.py']
method_name = 'HP-DVAL stage 1 (DVAL)'

model = dict(head=_base_.dval_lt_head)  # configs/_base_/methods/hpdval.py
optim_wrapper = dict(
    _delete_=True, optimizer=dict(type='AdamW', lr=1e-5, weight_decay=1e-4))
param_scheduler = dict(T_max=10)
train_cfg = dict(max_epochs=10, val_interval=10)
train_dataloader = dict(batch_size=32)
