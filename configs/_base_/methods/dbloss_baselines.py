# The DB-loss paper's baselines (Wu et al., ECCV 2020, Sec. 4): ERM, Focal, CB-Focal and
# DB-Focal, each a setting of the DB-loss family (DistributionBalancedLoss), on the
# ResNet-50 of configs/_base_/models/resnet50_multilabel.py with the paper's recipe
# (configs/_base_/schedules/dbloss_bs32_step_8e.py). The configs (configs/resnet50/,
# and the offline world's ResNet-18 in configs/offline/) add what depends on the
# dataset: `loss_weight = 1 / C`, the train-split counts `class_freq` /
# `neg_class_freq` from the dataset config (checked against the annotation files by
# tests/configs; MultiLabelLinearClsHead has no set_class_stats for ClassStatsHook to
# call), DB-Focal's `db_loss` settings and its sampler's epoch length.
#
# MultiLabelClsHead passes avg_factor=B (a sum over classes, mean over images); the
# configs' loss_weight = 1 / C restores the DB-loss code's mean over all B * C entries,
# so lr 0.02 means what it meant there.

# ERM: plain binary cross-entropy = the DB loss family with every option off.
erm_loss = dict(
    type='DistributionBalancedLoss',
    reweight_func=None,
    focal=dict(focal=False),
    logit_reg=dict())
# Focal: as ERM with the focal modulation balance_param * (1 - p_t)^2 on the BCE terms.
focal_loss = dict(erm_loss, focal=dict(focal=True, balance_param=2.0, gamma=2))
# CB-Focal: the focal loss weighted per class by the class-balanced term
# (1 - beta) / (1 - beta^n_i) (Cui et al., CVPR 2019), beta = 0.9.
cb_focal_loss = dict(focal_loss, reweight_func='CB', cb_beta=0.9)
# DB-Focal: class-aware re-sampling, re-balanced weights, negative-tolerant
# regularisation and focal modulation - the dataset config's `db_loss` - with
# ClassAwareSampler drawing max_i(n_i) * C / 4 images per epoch, the epoch length of
# the DB-loss code's sampler.

# The paper's schedule (lr / 10 after epochs 5 and 7, linear warmup from lr / 3) with
# the warmup each sampling needs. Uniform sampling (ERM, Focal, CB-Focal) gives short
# epochs (ceil(N_train / 32) iterations: 36 on VOC-LT, 60 on COCO-LT), so the paper's
# 500-iteration warmup would cover most of the 8 epochs: warm up over the first epoch
# instead.
uniform_sampling_param_scheduler = [
    dict(type='LinearLR', start_factor=1.0 / 3, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='MultiStepLR', by_epoch=True, milestones=[5, 7], gamma=0.1, begin=0,
         end=8),
]
# Class-aware sampling (DB-Focal) keeps the paper's 500-iteration warmup (its epochs:
# 122 iterations on VOC-LT, 705 on COCO-LT).
class_aware_param_scheduler = [
    dict(type='LinearLR', start_factor=1.0 / 3, by_epoch=False, begin=0, end=500),
    dict(type='MultiStepLR', by_epoch=True, milestones=[5, 7], gamma=0.1, begin=0,
         end=8),
]

# RW (re-weighting; Wu et al., ECCV 2020, Sec. 4 baselines): BCE with every element of
# class i weighted by the smoothed inverse frequency sqrt(N / n_i), no focal term, no
# NTR, uniform sampling. `'sqrt_inv'` gives the weights normalised to mean 1 over the
# classes (n_i^(-1/2) * C / sum_j n_j^(-1/2)); the DB-loss code uses sqrt(N / n_i)
# itself (ResampleLoss.RW_weight in mllt/models/losses/resample_loss.py), i.e. those
# times mean_j sqrt(N / n_j): the RW configs multiply `loss_weight` by that mean so
# that lr 0.02 takes the step it took there.
rw_loss = dict(erm_loss, reweight_func='sqrt_inv')
# ASL (Ridnik et al., ICCV 2021): MMPretrain's AsymmetricLoss with gamma_pos 0,
# gamma_neg 4, probability margin 0.05 - its defaults, and the values of the LMPT
# code's ASL option (lmpt/train.py:157) - as a mean over B x C (that code's
# `-loss.mean()`, lmpt/asl.py:55; the configs' loss_weight = 1 / C against the head's
# avg_factor = B). Uniform sampling and the ERM schedule.
asl_loss = dict(type='AsymmetricLoss', use_sigmoid=True, gamma_pos=0.0, gamma_neg=4.0,
                clip=0.05)
