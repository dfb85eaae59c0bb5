# The offline world's small CLIP (tools/pretrain_clip.py writes it; `make demo`
# trains it first), loaded through the same `pretrained=<path>` mechanism as OpenAI's
# weights. Frozen image encoder as the backbone; heads hold the frozen text encoder.
clip_arch = 'lmpt-synth-vit'
clip_pretrained = 'work_dirs/demo/clip_synth.pt'

model = dict(
    type='CLIPPromptClassifier',
    save_trainable_only=True,
    backbone=dict(type='CLIPImageEncoder', arch=clip_arch, pretrained=clip_pretrained),
    neck=None,
    head=dict(arch=clip_arch, pretrained=clip_pretrained),
    data_preprocessor=dict(
        type='ClsDataPreprocessor',
        mean=[122.7709383, 116.7460125, 104.0937362],
        std=[68.5005327, 66.6321579, 70.3231630],
        to_rgb=True))
