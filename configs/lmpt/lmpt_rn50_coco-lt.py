# LMPT with CLIP RN50: as lmpt_vit-b16_coco-lt.py, other CLIP model.
_base_ = ['./lmpt_vit-b16_coco-lt.py']

# A local copy of OpenAI's RN50.pt; 'openai' lets open_clip download it.
clip_arch = 'RN50'
clip_pretrained = 'checkpoints/clip/RN50.pt'
model = dict(
    backbone=dict(arch=clip_arch, pretrained=clip_pretrained),
    head=dict(arch=clip_arch, pretrained=clip_pretrained))
