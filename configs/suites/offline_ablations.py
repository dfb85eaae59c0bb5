# Ablation tables on the offline world, scored on its validation split (`make ablations`):
#   python tools/run_suite.py configs/suites/offline_ablations.py [--only ROW ...]
# Every row is one method of the suite; `table` names the table it belongs to. Trained
# rows are scored by their run's final-epoch validation on lt_val.txt; rows without
# training are tested (tools/test.py CONFIG none) with the test loader pointed at
# lt_val.txt. The tables go to work_dirs/ablations/comparison.md / .csv (mAP, head,
# medium, tail, var. in %; one run per row, the configs' seed 0).
#
# The world and the small CLIP are the demo's (made first when missing, reused else).
_base_ = ['./offline_demo.py']
title = 'Ablations on the offline world'
work_dir = 'work_dirs/ablations'
variables = dict(clip='work_dirs/demo/clip_synth.pt')
split = 'val'
seeds = [0]
baselines = []
test_options = [
    'test_dataloader.dataset.data_root={data}', 'test_dataloader.dataset.ann_file=lt_val.txt'
]

_lmpt = 'configs/offline/lmpt_synth-vit_synth-lt.py'
_coop = 'configs/offline/coop_synth-vit_synth-lt.py'
_dualcoop = 'configs/offline/dualcoop_synth-vit_synth-lt.py'
_stage1 = 'configs/offline/hpdval-stage1_synth-vit_synth-lt.py'
_stage2 = 'configs/offline/hpdval-stage2_synth-vit_synth-lt.py'

_clip = ['model.backbone.pretrained={clip}', 'model.head.pretrained={clip}']
_teacher = ['model.teacher.pretrained={clip}']
# The prompt methods train on cached features; one cache for every row.
_cache = ['feature_cache.dir={abs_work_dir}/feature_cache']


def _prompt(name, table, config, options=()):
    """A prompt-tuning row on cached features."""
    return dict(name=name, table=table, stages=[dict(
        config=config, cfg_options=_clip + list(options), train_options=_cache)])


# LMPT: {shared, class-specific} contexts x {DB, DB + CSE}; the CSE weight curve (lam 0.5,
# DB = CSE loss_weight 0); CSE mode token (against the configured feature).
_t = 'LMPT: contexts x losses, CSE weight, CSE mode (lam 0.5; "DB" = CSE weight 0)'
_shared = 'model.head.prompt_learner.csc=False'
_specific = 'model.head.prompt_learner.csc=True'
_cse = 'model.head.cse_loss.loss_weight='
_lmpt_rows = [
    _prompt('shared, DB', _t, _lmpt, [_shared, _cse + '0']),
    _prompt('shared, DB + CSE (weight 10)', _t, _lmpt, [_shared, _cse + '10']),
    _prompt('class-specific, DB', _t, _lmpt, [_specific, _cse + '0']),
    _prompt('class-specific, DB + CSE (weight 10)', _t, _lmpt, [_specific, _cse + '10']),
    _prompt('shared, CSE weight 1', _t, _lmpt, [_shared, _cse + '1']),
    _prompt('shared, CSE weight 3', _t, _lmpt, [_shared, _cse + '3']),
    _prompt('shared, CSE weight 30', _t, _lmpt, [_shared, _cse + '30']),
    _prompt('shared, CSE weight 100', _t, _lmpt, [_shared, _cse + '100']),
    _prompt('shared, CSE weight 10, mode token', _t, _lmpt,
            [_shared, _cse + '10', 'model.head.cse_loss.mode=token']),
]

# HP-DVAL's Table V on this world. Zero-shot rows: the stage-1 model at initialisation
# (alpha 1 is zero-shot CLIP exactly). The end-to-end rows differ from CoOp only through
# data order and cached-view draws where the models reduce to each other
# (tests/models/heads/test_hpdval_reductions.py).
_t = 'HP-DVAL (Table V on this world)'
_stage1_train = dict(config=_stage1, cfg_options=_clip + _teacher, tags=['images'])
_hpdval_rows = [
    dict(name=f'zero-shot dual view, alpha {a}, top-{k}', table=_t, stages=[dict(
        config=_stage1, train=False, cfg_options=_clip + _teacher + [
            f'model.head.alpha={a}', f'model.head.local_topk={k}'])])
    for a in (1.0, 0.6, 0.4, 0.0) for k in (8, 32)
] + [
    dict(name='stage 1 only (+DVAL)', table=_t, stages=[_stage1_train]),
    # Stage 2 starts from this method's own stage 1 (the same config and options as
    # the row above).
    dict(name='+ HPT (stage 2, no L_sc)', table=_t, stages=[
        _stage1_train,
        dict(config=_stage2, init_from_previous=True,
             cfg_options=_clip + ['model.head.sc_weight=0.0'])]),
    dict(name='+ SC (stage 2, full HP-DVAL)', table=_t, stages=[
        _stage1_train, dict(config=_stage2, init_from_previous=True, cfg_options=_clip)]),
    # Stage 1's student, teacher and KD with stage 2's prompts and L_sc.
    dict(name='joint single stage (student + prompts, KD)', table=_t, stages=[dict(
        config='configs/offline/ablations/hpdval-joint_synth-vit_synth-lt.py',
        tags=['images'], cfg_options=_clip + _teacher)]),
    # With CoOp's optimiser and schedule (configs/offline/coop_synth-vit_synth-lt.py):
    # the stage-2 config has its own, chosen on val.
    dict(name='stage 2 reduced to CoOp (no stage 1, alpha 1, no L_sc, DB)', table=_t,
         stages=[dict(config=_stage2, cfg_options=_clip + [
             'load_from=None', 'model.head.alpha=1.0', 'model.head.sc_weight=0.0',
             'model.head.loss.variant=db', 'optim_wrapper.optimizer.lr=0.000125',
             'optim_wrapper.optimizer.weight_decay=0.0005', 'train_cfg.max_epochs=10',
             'train_cfg.val_interval=10', 'param_scheduler.T_max=10'])]),
    _prompt('CoOp (reference)', _t, _coop),
]

_t = 'Losses for prompt tuning (CoOp)'
_loss_rows = [
    _prompt('CoOp, BCE', _t, _coop, [
        'model.head.loss._delete_=True', 'model.head.loss.type=CrossEntropyLoss',
        'model.head.loss.use_sigmoid=True']),
    _prompt('CoOp, Focal', _t, _coop, [
        'model.head.loss._delete_=True', 'model.head.loss.type=FocalLoss']),
    _prompt('CoOp, DB', _t, _coop),
    _prompt('CoOp, DB* (variant db_star)', _t, _coop, ['model.head.loss.variant=db_star']),
]

# DualCoOp as configured beside CoOp started, like DualCoOp, from 16 random context
# tokens (with DB, and with DualCoOp's asymmetric loss): separates the local view from
# the initialisation. The local view alone without training is the HP-DVAL table's
# "alpha 0.0" rows.
_t = 'DualCoOp: local view or initialisation'
_random16 = ['model.head.prompt_learner.ctx_init=None', 'model.head.prompt_learner.n_ctx=16']
_dualcoop_rows = [
    _prompt('DualCoOp as configured (16 random tokens, local view, ASL)', _t, _dualcoop),
    _prompt('CoOp (4 tokens from "a photo of a", global view, DB)', _t, _coop),
    _prompt("CoOp from 16 random tokens (DualCoOp's init), DB", _t, _coop, _random16),
    _prompt("CoOp from 16 random tokens, ASL (DualCoOp's loss)", _t, _coop, _random16 + [
        'model.head.loss._delete_=True', 'model.head.loss.type=DetachableAsymmetricLoss',
        'model.head.loss.use_sigmoid=True', 'model.head.loss.gamma_pos=0.0',
        'model.head.loss.gamma_neg=4.0', 'model.head.loss.clip=0.05',
        'model.head.loss.eps=1e-06', 'model.head.loss.detach_focal_weight=True',
        'model.head.loss.reduction=sum', 'model.head.loss.loss_weight=1.0']),
]

# HP-DVAL's code form (configs/offline/*_code.py) with and without the one input the
# release gets wrong for a CLIP: its loaders do not normalise the images (ToTensor
# only), the small CLIP was pretrained on normalised ones. Zero-shot rows: the code
# form's stage-1 model at initialisation (its score, no training).
_t = "HP-DVAL code form: CLIP's input normalisation"
_code1 = 'configs/offline/hpdval-stage1_synth-vit_synth-lt_code.py'
_code2 = 'configs/offline/hpdval-stage2_synth-vit_synth-lt_code.py'
_normalised = ['model.data_preprocessor.mean=[122.7709383,116.7460125,104.0937362]',
               'model.data_preprocessor.std=[68.5005327,66.6321579,70.3231630]']
_code_rows = [
    dict(name=f'code form, zero-shot{name}', table=_t, stages=[dict(
        config=_code1, train=False, cfg_options=_clip + opts)])
    for name, opts in (('', []), (', CLIP-normalised inputs', _normalised))
] + [
    dict(name=f'code form, stages 1 + 2{name}', table=_t, stages=[
        dict(config=_code1, cfg_options=_clip + opts, tags=['images']),
        dict(config=_code2, init_from_previous=True, cfg_options=_clip + opts)])
    for name, opts in (('', []), (', CLIP-normalised inputs', _normalised))
]

methods = _lmpt_rows + _hpdval_rows + _loss_rows + _dualcoop_rows + _code_rows
