# DualCoOp, paper form, with CLIP RN50: as dualcoop_vit-b16_voc-lt.py (shared contexts,
# MMPretrain's ASL gamma_neg 4 / gamma_pos 0 averaged over B x C, LMPT's 224px schedule,
# the 49 map positions as regions), other CLIP model. The release's form:
# dualcoop_rn50_voc-lt.py.
_base_ = ['./dualcoop_vit-b16_voc-lt.py']

# A local copy of OpenAI's RN50.pt; 'openai' lets open_clip download it.
clip_arch = 'RN50'
clip_pretrained = 'checkpoints/clip/RN50.pt'
model = dict(
    backbone=dict(arch=clip_arch, pretrained=clip_pretrained),
    head=dict(arch=clip_arch, pretrained=clip_pretrained))
