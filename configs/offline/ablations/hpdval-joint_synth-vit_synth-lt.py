# HP-DVAL in one stage on the offline world (an ablation, configs/suites/offline_ablations.py):
# stage 1's student, teacher and knowledge distillation trained together with stage 2's
# hierarchical prompts (global and local, initialised from 'a photo of a') and L_sc.
# A config file rather than --cfg-options: MMEngine's --cfg-options drops the spaces of
# a value, so 'a photo of a' cannot be passed on the command line.
_base_ = ['../hpdval-stage1_synth-vit_synth-lt.py']

model = dict(
    head=dict(
        type='HPTHead',
        global_prompt_learner=dict(ctx_init='a photo of a'),
        local_prompt_learner=dict(ctx_init='a photo of a')))
