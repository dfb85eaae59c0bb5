# Recipe smoke: the real LMPT recipe in its paper form
# (configs/lmpt/lmpt_vit-b16_voc-lt_paper.py) on the offline world; changes as in
# lmpt_recipe-code_synth-vit_synth-lt.py (model, data, cached features).
_base_ = ['./lmpt_recipe-code_synth-vit_synth-lt.py']

model = dict(
    head=dict(
        loss=dict(_delete_=True, **_base_.db_loss),
        cse_loss=dict(
            _delete_=True, type='ClassSpecificEmbeddingLoss', margin=0.2, gamma=0.2,
            mode='feature', avg_factor='batch')))
