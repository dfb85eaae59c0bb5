# CoCoOp (DB loss) on the offline world: CoOp's offline prompt (4 shared context tokens
# from "a photo of a", the DB loss) plus CoCoOp's meta-network (hidden width D / 16),
# i.e. per-image prompts, on the prompt methods' shared offline schedule (batch 32, 20
# epochs, SGD lr 5e-4 clipped at global norm 0.1: make select's first choices for
# CoOp), not the CoCoOp release's batch-1 one (CPU minutes). Not chosen for CoCoOp on
# val yet: `make select` has it in its grid (what was run and its scores:
# configs/cocoop/README.md).
_base_ = [
    '../_base_/models/clip_synth-vit.py', '../_base_/datasets/synthetic_lt.py',
    '../_base_/schedules/offline_prompt_bs32_20e.py', '../_base_/default_runtime.py',
    '../_base_/methods/cocoop.py'
]

model = dict(
    head=dict(_base_.cocoop_head, classes=_base_.class_names, loss=_base_.db_loss))
# Train on cached frozen-encoder features (both flips of every image, encoded once).
feature_cache = dict(enable=True)
