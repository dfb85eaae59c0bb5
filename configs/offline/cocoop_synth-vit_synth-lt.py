# CoCoOp (DB loss) on the offline world: CoOp's offline setting (4 shared context tokens
# from "a photo of a", the DB loss, batch 32, 20 epochs, SGD lr 5e-4 clipped at global
# norm 0.1; coop_synth-vit_synth-lt.py) plus CoCoOp's meta-network (hidden width
# D / 16), i.e. per-image prompts. The prompt methods' shared offline schedule, not the
# CoCoOp release's batch-1 one (CPU minutes); lr and clipping are CoOp's, not chosen for
# CoCoOp on val (what was run and its scores: configs/cocoop/README.md).
_base_ = [
    '../_base_/models/clip_synth-vit.py', '../_base_/datasets/synthetic_lt.py',
    '../_base_/schedules/offline_prompt_bs32_20e.py', '../_base_/default_runtime.py',
    '../_base_/methods/cocoop.py'
]

model = dict(
    head=dict(_base_.cocoop_head, classes=_base_.class_names, loss=_base_.db_loss))
# Train on cached frozen-encoder features (both flips of every image, encoded once).
feature_cache = dict(enable=True)
