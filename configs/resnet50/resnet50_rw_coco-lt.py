# RW baseline (Wu et al., ECCV 2020, Sec. 4) on COCO-LT: ERM's network, sampling and
# schedule with BCE re-weighted per class by sqrt(N / n_i), the smoothed inverse class
# frequency of the train split (configs/_base_/methods/dbloss_baselines.py).
_base_ = ['./resnet50_erm_coco-lt.py']
method_name = 'RW'

# 'sqrt_inv' normalises the weights to mean 1; times mean_i sqrt(N / n_i) they are the
# DB-loss code's sqrt(N / n_i).
rw_scale = sum((_base_.num_train_images / n)**0.5
               for n in _base_.train_class_freq) / _base_.num_classes
model = dict(
    head=dict(loss=dict(_base_.rw_loss, _delete_=True,
                        class_freq=_base_.train_class_freq,
                        neg_class_freq=_base_.train_neg_class_freq,
                        loss_weight=rw_scale / _base_.num_classes)))
