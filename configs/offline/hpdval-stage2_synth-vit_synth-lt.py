# HP-DVAL stage 2 (HPT) on the offline world: the stage-1 student frozen (load_from),
# global and local shared 4-token contexts (initialised from 'a photo of a', so L_sc
# starts at 0), DB* + semantic consistency L1; the prompt-tuning schedule of the
# other offline methods (configs/_base_/schedules/offline_prompt_bs32_20e.py).
# Selection on the validation split (lt_val.txt; the test split is for the final
# number only):
#   python tools/sweep.py configs/offline/hpdval-stage2_synth-vit_synth-lt.py \
#     --split val --seeds 0 1 2 \
#     --grid model.head.alpha=1.0,0.6,0.4 model.head.local_topk=8,32
# Val score: not run yet (README "What was run").
_base_ = ['./hpdval-stage1_synth-vit_synth-lt.py']
method_name = 'HP-DVAL'

load_from = 'work_dirs/demo/hpdval-stage1_synth-vit_synth-lt/epoch_8.pth'

model = dict(freeze_student=True, teacher=None, head=_base_.hpt_offline_head)
optim_wrapper = dict(
    _delete_=True,
    optimizer=dict(type='SGD', lr=5e-4, momentum=0.9, weight_decay=1e-4),
    clip_grad=dict(max_norm=0.1))
param_scheduler = dict(T_max=20)
train_cfg = dict(max_epochs=20, val_interval=20)
