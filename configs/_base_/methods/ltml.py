# LTML (Guo and Wang, CVPR 2021): a shared ResNet trunk (all stages but the last) and two
# branches, each a copy of the last stage + global average pooling + a linear
# classifier; branch u learns from uniformly sampled images, branch r from class-aware
# (re-balanced) ones, with the logit-compensated BCE in each branch (Eq. 2: a learnable
# per-class scale and shift of the logits in the positive and in the negative term) and
# a mean-squared logit consistency between the branches on the same images (weight
# `consistency_weight`); at test time
# the two branches' probabilities are averaged. Every training batch is 32 uniform then
# 32 class-aware images (UniformClassAwarePairSampler; loader batch 64). Sources of every
# value: configs/ltml/README.md.

ltml_consistency_weight = 1.0
ltml_sampler = dict(type='UniformClassAwarePairSampler', batch_size=32)

# The compensation's scales and shifts (in head.loss_module and head.loss_module_r) are
# the parameters of a logit distribution, not weights: exempt from weight decay (ours).
ltml_paramwise_cfg = dict(custom_keys={'head.loss_module': dict(decay_mult=0.0)})
