"""Multi-label inference on image files: classes above a threshold (or the top k).

MMPretrain's :class:`~mmpretrain.apis.ImageClassificationInferencer` does the model
building, checkpoint loading, test pipeline and drawing; its ``postprocess`` reports
one argmax class per image, which is wrong for multi-label models.
:class:`MultiLabelInferencer` keeps the rest and replaces the label selection.
"""
from __future__ import annotations

import os
import os.path as osp
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional, Sequence, Union

import numpy as np
import torch
from mmcv.image import imread
from mmengine.config import Config
from mmengine.runner.checkpoint import _load_checkpoint_to_model
import mmpretrain.utils.progress as mmpretrain_progress
from mmpretrain.apis import ImageClassificationInferencer
from mmpretrain.structures import DataSample

from lmpt_mm.datasets.image_check import IMAGE_EXTENSIONS, check_image, image_load_problem
from lmpt_mm.engine.safe_checkpoint import load_local_checkpoint
from lmpt_mm.engine.work_dir_checkpoints import check_checkpoint_fits

__all__ = ['MultiLabelInferencer', 'ImagePrediction', 'select_labels',
           'format_prediction', 'expand_image_paths']


def select_labels(scores: torch.Tensor, threshold: float = 0.5,
                  topk: Optional[int] = None) -> List[int]:
    """Class indices to report for one image, highest score first.

    Args:
        scores: ``[C]`` per-class scores in [0, 1] (sigmoid of the logits).
        threshold: report classes with ``score >= threshold`` (ignored with ``topk``).
        topk: report the ``topk`` highest-scoring classes whatever their score.
    """
    scores = torch.as_tensor(scores).flatten()
    order = torch.argsort(scores, descending=True, stable=True)
    if topk is not None:
        if topk < 1:
            raise ValueError(f'topk must be >= 1, got {topk}')
        return order[:topk].tolist()
    return [i for i in order.tolist() if scores[i].item() >= threshold]


@dataclass
class ImagePrediction:
    """Prediction for one image: the selected classes and all scores ``[C]``."""
    image: str
    labels: List[int]
    classes: List[str]
    scores: List[float]
    pred_scores: np.ndarray = field(repr=False)

    @property
    def best(self) -> int:
        return int(np.argmax(self.pred_scores))


def format_prediction(pred: ImagePrediction, class_names: Sequence[str],
                      threshold: float, topk: Optional[int]) -> str:
    """Human-readable lines: the image, then ``class score`` per selected class."""
    lines = [pred.image]
    for name, score in zip(pred.classes, pred.scores):
        lines.append(f'  {name:<24s} {score:.3f}')
    if not pred.labels:
        best = pred.best
        lines.append(f'  (no class scores >= {threshold:g}; highest: '
                     f'{class_names[best]} {pred.pred_scores[best]:.3f})')
    return '\n'.join(lines)


def expand_image_paths(paths: Sequence[Union[str, Path]]) -> List[str]:
    """Image files in order; a directory stands for its image files (sorted,
    not recursive: :data:`IMAGE_EXTENSIONS`).

    Raises:
        FileNotFoundError: a path that does not exist.
        ValueError: an empty (0-byte) or undecodable file, or a directory without
            images - each naming the path.
    """
    images = []
    for path in map(str, paths):
        if osp.isdir(path):
            found = sorted(osp.join(path, n) for n in os.listdir(path)
                           if n.lower().endswith(IMAGE_EXTENSIONS)
                           and osp.isfile(osp.join(path, n)))
            if not found:
                raise ValueError(f'{path} is a directory without images '
                                 f'({", ".join(IMAGE_EXTENSIONS)})')
            images.extend(found)
        elif not osp.isfile(path):
            raise FileNotFoundError(f'image {path} does not exist')
        else:
            images.append(path)
    for path in images:
        problem = image_load_problem(path)
        if not problem:
            status, why = check_image(path)
            problem = '' if status == 'ok' else f'it cannot be decoded ({why})'
        if problem:
            raise ValueError(f'image {path} cannot be read: {problem}')
    return images


class MultiLabelInferencer(ImageClassificationInferencer):
    """MMPretrain's image inferencer for multi-label models.

    Scores are the model's ``pred_score`` (per-class sigmoid of the logits, as every
    lmpt_mm head and MMPretrain's multi-label heads produce); each image's
    ``pred_label`` becomes the classes with ``score >= threshold``, highest first, or
    the ``topk`` best. The drawing (``show_dir``) shows those classes with their
    scores; an image with no class above the threshold shows its best class.

    Class names come from the checkpoint's ``dataset_meta``, else the head's
    ``classes`` (CLIP prompt heads), else ``class <i>``.

    Args:
        config: config file or :class:`Config`.
        checkpoint: checkpoint file, or ``None`` for a model without trained weights
            (zero-shot CLIP: its weights come from the config).
        device: e.g. ``'cpu'``, ``'cuda:0'``; ``None`` picks CUDA when available.
        threshold, topk: label selection, see :func:`select_labels`.
        classes: class names overriding the checkpoint's / head's.
    """

    min_draw_size = 256

    def __init__(self,
                 config: Union[str, Config],
                 checkpoint: Optional[str] = None,
                 device: Optional[str] = None,
                 threshold: float = 0.5,
                 topk: Optional[int] = None,
                 classes: Optional[Sequence[str]] = None) -> None:
        if isinstance(config, (str, Path)):
            if not osp.isfile(config):
                raise FileNotFoundError(f'config file {config} does not exist')
            config = Config.fromfile(str(config))
        if checkpoint is not None and not osp.isfile(checkpoint):
            raise FileNotFoundError(
                f'checkpoint {checkpoint} does not exist (pass none for a model '
                'without trained weights, e.g. zero-shot CLIP)')
        if not 0.0 <= threshold <= 1.0:
            raise ValueError(f'threshold must be in [0, 1] (scores are sigmoids), '
                             f'got {threshold}')
        if topk is not None and topk < 1:
            raise ValueError(f'topk must be >= 1, got {topk}')
        if device is None:
            device = 'cuda' if torch.cuda.is_available() else 'cpu'
        # Built without weights, then loaded strictly: MMEngine's load_checkpoint
        # only logs a size mismatch and predicts with untrained weights.
        super().__init__(model=config, pretrained=False, device=device,
                         classes=classes)
        if checkpoint is not None:
            self._load_checkpoint_strictly(checkpoint, classes)
        self.threshold = threshold
        self.topk = topk
        self.classes = list(self.classes or getattr(self.model.head, 'classes', None)
                            or [])

    def _load_checkpoint_strictly(self, checkpoint: str,
                                  classes: Optional[Sequence[str]]) -> None:
        ckpt = load_local_checkpoint(checkpoint, map_location='cpu')
        check_checkpoint_fits(self.model, ckpt, checkpoint,
                              getattr(self.config, 'filename', None))
        _load_checkpoint_to_model(self.model, ckpt, strict=False)
        meta = ckpt.get('meta', {}) if isinstance(ckpt, dict) else {}
        if 'dataset_meta' in meta:
            self.model._dataset_meta = meta['dataset_meta']
            if classes is None:
                self.classes = meta['dataset_meta'].get('classes')

    def class_names(self, num_classes: int) -> List[str]:
        if len(self.classes) == num_classes:
            return self.classes
        return [f'class {i}' for i in range(num_classes)]

    def forward(self, inputs: dict, **kwargs) -> List[DataSample]:
        preds = super().forward(inputs, **kwargs)
        for sample in preds:
            labels = select_labels(sample.pred_score, self.threshold, self.topk)
            sample.set_field(labels, 'selected_labels', field_type='metainfo')
            # drawn by the visualizer: the selection, or the best class if empty
            shown = labels or [int(torch.argmax(sample.pred_score))]
            sample.set_pred_label(torch.tensor(shown, dtype=torch.long))
        return preds

    def visualize(self, ori_inputs, preds, show_dir=None, resize=None, **kwargs):
        """Draw the selected classes; images with a short edge below
        :attr:`min_draw_size` are enlarged for drawing so the text stays legible."""
        if show_dir is None and not kwargs.get('show'):
            return None
        if show_dir is not None:
            Path(show_dir).mkdir(parents=True, exist_ok=True)
        if self.classes == [] and preds:
            self.classes = self.class_names(preds[0].pred_score.numel())
        drawings = []
        for input_, pred in zip(ori_inputs, preds):
            size = resize
            if size is None and isinstance(input_, str):
                short = min(imread(input_).shape[:2])
                size = self.min_draw_size if short < self.min_draw_size else None
            drawings += super().visualize([input_], [pred], show_dir=show_dir,
                                          resize=size, **kwargs)
        return drawings

    def postprocess(self, preds: List[DataSample], visualization,
                    return_datasamples: bool = False) -> List[dict]:
        if return_datasamples:
            return preds
        results = []
        for sample in preds:
            scores = sample.pred_score.detach().cpu()
            names = self.class_names(scores.numel())
            labels = list(sample.selected_labels)
            results.append(dict(labels=labels,
                                classes=[names[i] for i in labels],
                                scores=[float(scores[i]) for i in labels],
                                pred_scores=scores.numpy()))
        return results

    def predict(self, images: Sequence[str], show_dir: Optional[str] = None,
                batch_size: int = 1, progress: bool = False) -> List[ImagePrediction]:
        """Predict image files in order; with ``show_dir`` also write the drawings
        (``<show_dir>/<image stem>.png``). ``progress`` shows MMPretrain's bar."""
        images = expand_image_paths(images)
        previous = mmpretrain_progress.disable_progress_bar
        mmpretrain_progress.disable_progress_bar = not progress
        try:
            results = self(images, batch_size=batch_size, show_dir=show_dir)
        finally:
            mmpretrain_progress.disable_progress_bar = previous
        return [ImagePrediction(image=path, **result)
                for path, result in zip(images, results)]
