# LMPT on VOC-LT with CLIP ViT-B/16 as the LMPT paper's equations state the loss (where
# its code differs, lmpt_vit-b16_voc-lt.py follows the code): the DB loss with the focal
# factor per element (DB-loss paper, Wu et al. 2020, Eq. 8), mean over B x C; the CSE
# loss on CLIP text features, (1/B) sum_k sum_i w_i l_ki (per-sample sum,
# avg_factor='batch'). Optimiser, schedule, prompts: as the code config.
_base_ = ['./lmpt_vit-b16_voc-lt.py']

model = dict(
    head=dict(
        loss=dict(_delete_=True, **_base_.db_loss),
        cse_loss=dict(
            _delete_=True, type='ClassSpecificEmbeddingLoss', margin=0.2, gamma=0.2,
            mode='feature', avg_factor='batch')))
