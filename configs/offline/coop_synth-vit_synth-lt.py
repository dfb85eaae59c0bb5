# CoOp (DB loss) on the offline world: 16 shared context tokens, the DB loss alone.
_base_ = [
    '../_base_/models/clip_synth-vit.py', '../_base_/datasets/synthetic_lt.py',
    '../_base_/schedules/offline_prompt_bs32_20e.py', '../_base_/default_runtime.py'
]
method_name = 'CoOp'

model = dict(
    head=dict(
        type='CoOpHead',
        classes=_base_.class_names,
        # Context initialised from the zero-shot prompt's words (CoOp's ctx_init).
        prompt_learner=dict(n_ctx=4, csc=False, ctx_init='a photo of a'),
        loss=_base_.db_loss))
# Train on cached frozen-encoder features (both flips of every image, encoded once).
feature_cache = dict(enable=True)
