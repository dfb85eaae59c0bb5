"""Zero-shot multi-label evaluation of an open_clip model.

Score of class i on image k: ``cos(f(x_k), g("a photo of a {name_i}."))``; AP per
class over the test images (scikit-learn's definition, tie-correct), mAP in %.
Chance level is about the positive rate (mean fraction of images holding a class).
"""
from __future__ import annotations

from typing import Callable, Dict, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from lmpt_mm.evaluation.group_map import average_precision
from lmpt_mm.models.prompt.templates import SINGLE_TEMPLATE as DEFAULT_TEMPLATE
from .data import to_model_input


@torch.no_grad()
def zero_shot_scores(model, tokenizer: Callable, images: torch.Tensor,
                     class_names: Sequence[str], template: str = DEFAULT_TEMPLATE,
                     batch_size: int = 512) -> np.ndarray:
    """``(N, C)`` cosine similarities of images (uint8 NHWC) to class prompts."""
    was_training = model.training
    model.eval()
    text = F.normalize(model.encode_text(
        tokenizer([template.format(n) for n in class_names])), dim=-1)
    feats = [F.normalize(model.encode_image(to_model_input(images[i:i + batch_size])), dim=-1)
             for i in range(0, len(images), batch_size)]
    model.train(was_training)
    return (torch.cat(feats) @ text.T).numpy()


def mean_average_precision(scores: np.ndarray, labels: np.ndarray) -> Dict[str, object]:
    """Per-class AP (:func:`~lmpt_mm.evaluation.average_precision`) and mAP, in %.

    Classes without a positive are skipped (their AP is undefined) and reported.
    """
    if scores.shape != labels.shape:
        raise ValueError(f'scores {scores.shape} and labels {labels.shape} differ in shape')
    ap = 100.0 * average_precision(scores, labels)
    return dict(mAP=float(np.nanmean(ap)), ap=ap.tolist(),
                positive_rate=100.0 * float(labels.mean()),
                skipped=[int(c) for c in np.flatnonzero(np.isnan(ap))])
