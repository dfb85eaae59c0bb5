# The HP-DVAL code's model (configs/_base_/models/hpdval-code_vit-b16.py: the student is
# CLIP's own visual tower, trained in full with the text tower, no embedding head, no
# teacher, inputs not normalised) on the offline world's small CLIP
# (configs/_base_/models/clip_synth-vit.py) instead of ViT-B/16.
_base_ = ['./hpdval-code_vit-b16.py']

clip_arch = 'lmpt-synth-vit'
clip_pretrained = 'work_dirs/demo/clip_synth.pt'
model = dict(backbone=dict(arch=clip_arch, pretrained=clip_pretrained),
             head=dict(arch=clip_arch, pretrained=clip_pretrained))
