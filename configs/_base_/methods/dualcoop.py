# DualCoOp (Sun et al., NeurIPS 2022): a positive and a negative learned prompt per class
# (16 context tokens each, shared contexts), region (patch-token) logits aggregated per
# class by a spatial softmax, 2-way softmax of the positive and negative logits;
# MMPretrain's asymmetric loss with its default focusing parameters. Trained on LMPT's
# schedule so that the prompt-tuning methods compare under one recipe.
method_name = 'DualCoOp'

dualcoop_head = dict(
    type='DualCoOpHead',
    prompt_learner=dict(n_ctx=16, csc=False, ctx_init=None, class_token_position='end'),
    # DualCoOp code (models/dualcoop.py): the spatial softmax runs on 20 * cos and the
    # aggregated logits are scaled by 5 (100 * cos overall). Our region logits are
    # exp(logit_scale) * cos = 100 * cos with OpenAI's weights, so 0.2 gives its 20 * cos.
    spatial_scale=0.2,
    loss=dict(
        type='AsymmetricLoss', use_sigmoid=True, gamma_pos=0.0, gamma_neg=4.0, clip=0.05))
