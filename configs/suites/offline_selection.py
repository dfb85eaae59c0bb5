# Equal-budget hyper-parameter selection of the offline methods on the validation split
# (`make select`, after `make demo`):
#   python tools/select_offline.py [--methods CoOp LMPT ...]
# The protocol is lmpt_mm/suite/selection.py's: CoOp, LMPT, DualCoOp and HP-DVAL get the
# same 16 trials (seed 0) - the 12 of the shared grid (lr x gradient clipping), one
# clipping rule for all, then 4 trials of its own knobs at its lr; CoCoOp and HP-DVAL's
# code form the 4 lrs under their rule and 4 knobs (the same 8 eligible trials); the
# ResNets, trained from scratch on the images, share an 8-trial grid of lr x schedule
# length. Trials run on the demo's world, small CLIP, feature cache and HP-DVAL stage-1
# checkpoints; results go to work_dirs/selection/selection.md / .json, each trial's runs
# below it.
title = 'Offline hyper-parameter selection'
work_dir = 'work_dirs/selection'
variables = dict(data='data/synthetic_lt', demo='{cwd}/work_dirs/demo',
                 clip='{demo}/clip_synth.pt')
split = 'val'
seeds = [0]
# Training validates on lt_val.txt and checks the test images too (EvalImagesCheckHook).
train_options = [
    'train_dataloader.dataset.data_root={data}', 'val_dataloader.dataset.data_root={data}',
    'test_dataloader.dataset.data_root={data}'
]

_clip = ['model.backbone.pretrained={clip}', 'model.head.pretrained={clip}']
# The prompt methods train on the demo's feature cache (its key covers the encoder and
# the data, not the swept values).
_cache = ['feature_cache.dir={demo}/feature_cache']


def _method(name, config, options=(), train_options=()):
    return dict(name=name, stages=[dict(config=config, seeded=True,
                                        cfg_options=list(options),
                                        train_options=list(train_options))])


methods = [
    _method('CoOp', 'configs/offline/coop_synth-vit_synth-lt.py', _clip, _cache),
    _method('LMPT', 'configs/offline/lmpt_synth-vit_synth-lt.py', _clip, _cache),
    _method('DualCoOp', 'configs/offline/dualcoop_synth-vit_synth-lt.py', _clip, _cache),
    _method('CoCoOp', 'configs/offline/cocoop_synth-vit_synth-lt.py', _clip, _cache),
    # Stage 2 only, from the demo's stage-1 checkpoint.
    _method('HP-DVAL', 'configs/offline/hpdval-stage2_synth-vit_synth-lt.py', _clip + [
        'load_from={demo}/hp-dval/hpdval-stage1_synth-vit_synth-lt/epoch_8.pth']),
    _method('HP-DVAL (code form)', 'configs/offline/hpdval-stage2_synth-vit_synth-lt_code.py',
            _clip + ['load_from={demo}/hp-dval-code-form/'
                     'hpdval-stage1_synth-vit_synth-lt_code/epoch_8.pth']),
    _method('ERM', 'configs/offline/resnet18_erm_synth-lt.py'),
    _method('DB-Focal', 'configs/offline/resnet18_db-focal_synth-lt.py'),
    _method('ASL', 'configs/offline/resnet18_asl_synth-lt.py'),
    _method('RW', 'configs/offline/resnet18_rw_synth-lt.py'),
    _method('LTML', 'configs/offline/resnet18_ltml_synth-lt.py'),
]

def _epochs(n):
    return {'train_cfg.max_epochs': n, 'train_cfg.val_interval': n,
            'param_scheduler.T_max': n}


_coop_knobs = [dict(_epochs(n), **{'optim_wrapper.optimizer.weight_decay': wd})
               for n in (10, 40) for wd in (0.0, 5e-4)]
selection = dict(
    metric='lt/mAP',
    lr_key='optim_wrapper.optimizer.lr',
    lrs=[1.25e-4, 5e-4, 2e-3, 8e-3],
    # A clipping rule is the options that set it; the first wins ties.
    clip_rules={
        'max_norm=0.1': {'optim_wrapper.clip_grad.max_norm': 0.1},
        'max_norm=1.0': {'optim_wrapper.clip_grad.max_norm': 1.0},
        'none': {'optim_wrapper.clip_grad': None},
    },
    # The prompt methods and their 4 knob settings each. CoOp has no method weight: its
    # trials go to its schedule length and weight decay; CoCoOp (CoOp plus a
    # meta-network) gets the same knobs.
    method_knobs={
        'CoOp': _coop_knobs,
        'CoCoOp': _coop_knobs,
        'LMPT': [{'model.head.cse_loss.loss_weight': w} for w in (3, 10, 30, 100)],
        'DualCoOp': [{'model.head.spatial_scale': s, 'model.head.loss.gamma_neg': g}
                     for s in (0.1, 10.0) for g in (1.0, 4.0)],
        'HP-DVAL': [{'model.head.alpha': a, 'model.head.local_topk': k}
                    for a, k in ((1.0, 32), (0.8, 8), (0.8, 32), (0.6, 8))],
        # the code form weighs the local view by alpha: around its (0.5, top-16)
        'HP-DVAL (code form)': [{'model.head.alpha': a, 'model.head.local_topk': k}
                                for a in (0.25, 0.75) for k in (8, 32)],
    },
    # The knob values every lr x rule trial trains at (the trials set them, so a chosen
    # knob written into a config does not move them): the values the configs held when
    # the protocol was first run on every CLIP.
    knob_reference={
        'CoOp': dict(_epochs(20), **{'optim_wrapper.optimizer.weight_decay': 1e-4}),
        'CoCoOp': dict(_epochs(20), **{'optim_wrapper.optimizer.weight_decay': 1e-4}),
        'LMPT': {'model.head.cse_loss.loss_weight': 100.0},
        'DualCoOp': {'model.head.spatial_scale': 1.0, 'model.head.loss.gamma_neg': 4.0},
        'HP-DVAL': {'model.head.alpha': 0.6, 'model.head.local_topk': 8},
        'HP-DVAL (code form)': {'model.head.alpha': 0.5, 'model.head.local_topk': 16},
    },
    # The four methods the clipping rule was chosen with; CoCoOp and HP-DVAL's code form,
    # added later, train at the lrs under that rule (8 eligible trials, as each of the
    # four has).
    clip_rule_methods=['CoOp', 'LMPT', 'DualCoOp', 'HP-DVAL'],
    # Image-trained baselines: lr x schedule length (epochs of cosine decay, validated at
    # the end). The lrs step by 4 around 0.05 (SGD, batch 32); 8 epochs is the DB-loss
    # paper's schedule length, 12 half as long again: the grid stops there to keep
    # `make demo` (3 seeds of each of the five) within its 20 minutes on 2 cores.
    image_methods=['ERM', 'DB-Focal', 'ASL', 'RW', 'LTML'],
    image_lrs=[0.0125, 0.05, 0.2, 0.8],
    image_epochs=[8, 12],
    inputs_hint='they come from the demo: run `make demo` first')
