# Multi-label few-shot recognition as HP-DVAL evaluates it (Huang et al., IEEE TIP,
# Section IV-A.2 / Table II; the published fsl_runner.py / fsl_eval.py), run by
# tools/fewshot.py: the `fewshot.base_stages` train on the base classes, then each
# episode adapts the base model on its K-shot support set of the novel classes and is
# scored on the novel test images. The few-shot dataset configs hold the splits, the
# loaders, the evaluator and the asymmetric loss; every value and its source: the recipe
# card in configs/hpdval/fewshot/README.md.

# CoOp (Zhou et al., IJCV 2022) on the few-shot splits: 16 context tokens shared by all
# classes, random init (CoOp's setting), on frozen CLIP ViT-B/16.
fewshot_coop_head = dict(
    type='CoOpHead', prompt_learner=dict(n_ctx=16, csc=False, ctx_init=None))

# Per-episode adaptation (the published evaluation's): the image side of the base model
# trains on the support set, the head (prompts and text encoder) stays frozen; an
# episode's score is its novel-class mAP. The configs add their `base_stages`.
fewshot_adapt = dict(adapt=True, frozen_modules=['head'], map_key='fewshot/mAP')
