# CLIP ViT-B/16 (OpenAI weights): frozen image encoder as the backbone; the head (set by
# each method config: ZeroShotCLIPHead, CoOpHead, DualCoOpHead, LMPTHead) holds the
# frozen text encoder and the prompts. Both towers come from the same CLIP file.
#
# `clip_pretrained` is a local copy of OpenAI's ViT-B-16.pt (README, "CLIP weights");
# 'openai' instead lets open_clip download it (needs network). QuickGELU is switched on
# automatically for OpenAI weights.
clip_arch = 'ViT-B-16'
clip_pretrained = 'checkpoints/clip/ViT-B-16.pt'

# CLIPPromptClassifier is MMPretrain's ImageClassifier plus cached-feature inputs
# (`feature_cache = dict(enable=True)`) and trainable-only checkpoints: the frozen
# towers are rebuilt from `clip_pretrained`, so a checkpoint holds the prompts only.
model = dict(
    type='CLIPPromptClassifier',
    save_trainable_only=True,
    backbone=dict(type='CLIPImageEncoder', arch=clip_arch, pretrained=clip_pretrained),
    neck=None,
    head=dict(arch=clip_arch, pretrained=clip_pretrained),
    # CLIP's own normalisation (lmpt_mm.models.clip.CLIP_MEAN_255 / CLIP_STD_255),
    # not ImageNet's.
    data_preprocessor=dict(
        type='ClsDataPreprocessor',
        mean=[122.7709383, 116.7460125, 104.0937362],
        std=[68.5005327, 66.6321579, 70.3231630],
        to_rgb=True))
