"""CLIP's input normalisation, on the 0-255 scale MMPretrain's data preprocessor uses.

``ClsDataPreprocessor(mean=CLIP_MEAN_255, std=CLIP_STD_255, to_rgb=True)`` reproduces the
``Normalize`` of CLIP's own preprocessing (the statistics of its training images, not
ImageNet's) after MMPretrain's 0-255 image loading.
"""
# Per-channel RGB mean / std of CLIP's training data on the 0-1 scale.
CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)

CLIP_MEAN_255 = tuple(m * 255 for m in CLIP_MEAN)  # (122.77, 116.75, 104.09)
CLIP_STD_255 = tuple(s * 255 for s in CLIP_STD)  # (68.50, 66.63, 70.32)

__all__ = ['CLIP_MEAN', 'CLIP_STD', 'CLIP_MEAN_255', 'CLIP_STD_255']
