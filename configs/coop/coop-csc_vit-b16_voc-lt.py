# CoOp on VOC-LT with CLIP ViT-B/16, **class-specific contexts** (CoOp's CSC variant): 16
# context tokens per class, random N(0, 0.02) init - the prompts the LMPT code builds
# whenever `--ctx_init ''` (its `--csc` flag is `store_true` with default True, so it
# can not be switched off). LMPT without the CSE term. Everything else as the
# shared-context coop_vit-b16_voc-lt.py.
_base_ = ['./coop_vit-b16_voc-lt.py']

model = dict(head=dict(prompt_learner=dict(csc=True)))
