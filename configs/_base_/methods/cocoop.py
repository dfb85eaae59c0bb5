# CoCoOp (Zhou et al., CVPR 2022): CoOp's shared context plus one token per image from a
# meta-network (Linear(D, D/16) - ReLU - Linear(D/16, W)) added to every context vector,
# so each image has its own class prompts. 4 context tokens initialised from "a photo
# of a", as the CoCoOp release's ViT-B/16 config (configs/trainers/CoCoOp/
# vit_b16_c4_ep10_batch1_ctxv1.yaml). The dataset configs add the class names and the
# loss; sources of every value: configs/cocoop/README.md.
method_name = 'CoCoOp'

cocoop_head = dict(
    type='CoCoOpHead',
    prompt_learner=dict(n_ctx=4, ctx_init='a photo of a', hidden_ratio=16))
# BCE: the DB loss with every option off (mean over B x C), the "BCE" rows of HP-DVAL's
# Table IV.
cocoop_bce_loss = dict(type='DistributionBalancedLoss', reweight_func=None,
                       focal=dict(focal=False), logit_reg=dict())
