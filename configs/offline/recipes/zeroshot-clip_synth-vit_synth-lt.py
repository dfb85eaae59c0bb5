# Recipe smoke reference row: zero-shot CLIP on the offline world (the offline config
# itself; nothing to train). See docs/recipes.md.
_base_ = ['../zeroshot-clip_synth-vit_synth-lt.py']
