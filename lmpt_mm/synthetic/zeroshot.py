"""Zero-shot multi-label evaluation of an open_clip model.

Score of class i on image k: ``cos(f(x_k), g("a photo of a {name_i}."))``; AP per
class over the test images (scikit-learn's ``average_precision_score``), mAP in %.
Chance level is about the positive rate (mean fraction of images holding a class).
"""
from __future__ import annotations

from typing import Callable, Dict, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.metrics import average_precision_score

from .data import to_model_input

DEFAULT_TEMPLATE = 'a photo of a {}.'


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
    """Per-class AP and mAP (%) of ``(N, C)`` scores against 0/1 labels.

    Classes without a positive are skipped (their AP is undefined) and reported.
    """
    if scores.shape != labels.shape:
        raise ValueError(f'scores {scores.shape} and labels {labels.shape} differ in shape')
    ap = np.full(labels.shape[1], np.nan)
    for c in range(labels.shape[1]):
        if labels[:, c].any():
            ap[c] = 100.0 * average_precision_score(labels[:, c], scores[:, c])
    return dict(mAP=float(np.nanmean(ap)), ap=ap.tolist(),
                positive_rate=100.0 * float(labels.mean()),
                skipped=[int(c) for c in np.flatnonzero(np.isnan(ap))])
