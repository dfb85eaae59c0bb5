# Zero-shot CLIP on VOC-LT with CLIP ViT-B/16 and CLIP's 80 ImageNet prompt templates
# ("a bad photo of a {}.", ...): class text features averaged over the templates.
_base_ = ['./zeroshot-clip_vit-b16_voc-lt.py']
method_name = 'Zero-shot CLIP (template ensemble)'

model = dict(head=dict(templates='ensemble'))
