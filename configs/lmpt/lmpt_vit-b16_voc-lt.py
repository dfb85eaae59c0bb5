# LMPT (Xia et al.) on VOC-LT with CLIP ViT-B/16, set so that one optimiser step equals the
# published code's (configs/_base_/methods/lmpt.py); the DB loss as `lmpt/dbl.py`
# computes it: the DB-loss paper's VOC-LT settings, the focal factor from the batch-mean
# BCE, the mean over B x C. The paper's equations instead of the code's:
# lmpt_vit-b16_voc-lt_paper.py. Sources of every value: configs/lmpt/README.md.
_base_ = [
    '../_base_/models/clip_vit-b16.py', '../_base_/datasets/voc_lt.py',
    '../_base_/schedules/lmpt_bs64_cosine_50e.py', '../_base_/default_runtime.py',
    '../_base_/methods/lmpt.py'
]

model = dict(
    head=dict(_base_.lmpt_head, classes=_base_.class_names,
              loss=_base_.lmpt_code_db_loss))
