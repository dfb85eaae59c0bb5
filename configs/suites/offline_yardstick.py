# The offline yardstick: the offline demo on three small CLIPs (pretraining seeds 0, 1,
# 2 on the same world), every trained method over training seeds 0, 1, 2 on each. The
# paired differences are averaged over the seeds within a CLIP, then given a 95%
# interval over the CLIPs; the papers' claims below are judged from those intervals.
#   python tools/run_suite.py configs/suites/offline_yardstick.py   # or: make yardstick
# Each CLIP's prompt methods take the settings `make select`'s protocol chooses on that
# CLIP (select_settings; settings chosen on one CLIP do not carry over to another):
# per CLIP, HP-DVAL's stage 1 trains first, then the selection, then the methods.
# CLIP 0 is the demo's own (its runs in work_dirs/demo are reused when up to date, its
# selection is `make select`'s); the others go to work_dirs/yardstick/clip<k>, their
# selections to work_dirs/selection_clip<k>. CLIP 3 stands in for a CLIP pretrained on
# another machine: it stays out of the intervals, and each of its differences is
# checked against the 95% prediction interval from CLIPs 0-2.
_base_ = ['./offline_demo.py']
title = 'offline world over small CLIPs (synthetic LT, VOC-LT class counts)'
work_dir = 'work_dirs/yardstick'
# ASL, RW and LTML do not use the CLIP and no claim below pairs them with a method that
# does: their evidence is the demo's intervals over training seeds (one CLIP), so the
# yardstick does not train them again per CLIP.
methods = [m for m in _base_.methods if m['name'] not in ('ASL', 'RW', 'LTML')]
baselines = [b for b in _base_.baselines if b != 'LTML']
select_settings = dict(
    suite='configs/suites/offline_selection.py',
    methods=['CoOp', 'CoCoOp', 'LMPT', 'DualCoOp', 'HP-DVAL', 'HP-DVAL (code form)'],
    work_dir='{selection_dir}',
    # the selection's trials read this CLIP, its feature cache and its stage-1 run
    cfg_options={'variables.demo': '{abs_work_dir}'})
replicates = [
    dict(name='clip0', variables=dict(clip_seed='0', selection_dir='work_dirs/selection'),
         work_dir='work_dirs/demo'),
    dict(name='clip1',
         variables=dict(clip_seed='1', selection_dir='work_dirs/selection_clip1')),
    dict(name='clip2',
         variables=dict(clip_seed='2', selection_dir='work_dirs/selection_clip2')),
]
held_out = [
    dict(name='clip3',
         variables=dict(clip_seed='3', selection_dir='work_dirs/selection_clip3'))
]
# The papers' claims, each "method scores above baseline" (LMPT: Xia et al., 2024;
# HP-DVAL: its Table I; DualCoOp: Sun et al., 2022; DB-Focal: Wu et al., 2020).
claims = [
    dict(text='Prompt tuning improves on zero-shot CLIP (CoOp)', method='CoOp',
         baseline='Zero-shot CLIP'),
    dict(text='Prompt tuning improves on zero-shot CLIP (LMPT)', method='LMPT',
         baseline='Zero-shot CLIP'),
    dict(text='LMPT beats CoOp', method='LMPT', baseline='CoOp'),
    dict(text='LMPT beats CoOp on the tail', method='LMPT', baseline='CoOp', group='tail'),
    dict(text='HP-DVAL improves on zero-shot CLIP', method='HP-DVAL',
         baseline='Zero-shot CLIP'),
    dict(text='HP-DVAL beats CoOp', method='HP-DVAL', baseline='CoOp'),
    dict(text='HP-DVAL beats LMPT', method='HP-DVAL', baseline='LMPT'),
    dict(text='HP-DVAL improves on zero-shot CLIP (code form)', method='HP-DVAL (code form)',
         baseline='Zero-shot CLIP'),
    dict(text='HP-DVAL beats CoOp (code form)', method='HP-DVAL (code form)',
         baseline='CoOp'),
    dict(text='HP-DVAL beats LMPT (code form)', method='HP-DVAL (code form)',
         baseline='LMPT'),
    dict(text='DualCoOp improves on zero-shot CLIP', method='DualCoOp',
         baseline='Zero-shot CLIP'),
    dict(text='LMPT beats ERM', method='LMPT', baseline='ERM'),
    dict(text='LMPT beats DB-Focal', method='LMPT', baseline='DB-Focal'),
    dict(text='DB-Focal improves on ERM', method='DB-Focal', baseline='ERM'),
    dict(text='DB-Focal improves on ERM on the tail', method='DB-Focal', baseline='ERM',
         group='tail'),
]
