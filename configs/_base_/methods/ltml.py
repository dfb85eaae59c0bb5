# LTML (Guo and Wang, CVPR 2021): a shared ResNet trunk (all stages but the last) and two
# branches, each a copy of the last stage + global average pooling + a linear
# classifier; branch u learns from uniformly sampled images, branch r from class-aware
# (re-balanced) ones, with BCE in each branch and a mean-squared logit consistency
# between the branches on the same images (weight `consistency_weight`); at test time
# the two branches' probabilities are averaged. Every training batch is 32 uniform then
# 32 class-aware images (UniformClassAwarePairSampler; loader batch 64). Sources of every
# value: configs/ltml/README.md.

ltml_consistency_weight = 1.0
ltml_sampler = dict(type='UniformClassAwarePairSampler', batch_size=32)
