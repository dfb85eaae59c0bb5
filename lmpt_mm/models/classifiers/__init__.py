"""Classifiers.

The CLIP prompt models need no classifier of their own: MMPretrain's
``ImageClassifier(backbone=CLIPImageEncoder(...), head=<CLIP prompt head>,
data_preprocessor=ClsDataPreprocessor(mean=CLIP_MEAN_255, std=CLIP_STD_255,
to_rgb=True))`` composes them. The frozen parts keep themselves in eval mode
(``CLIPImageEncoder.train`` / ``CLIPPromptHead.train``), parameters outside the
prompts never require grad, so no optimizer state is created for them.
"""
__all__: list = []
