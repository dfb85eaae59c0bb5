"""Predict the classes of images: ``python tools/predict.py CONFIG CHECKPOINT IMAGE...``.

An ``IMAGE`` may be a directory: its image files (sorted, not recursive).

Prints, per image, the classes whose score (per-class sigmoid) reaches ``--threshold``
(or the ``--topk`` best) with their scores; ``--show-dir DIR`` also writes each image
with those predictions drawn on it. ``CHECKPOINT`` may be ``none`` for models without
trained weights (zero-shot CLIP).
"""
import argparse

from mmengine.config import DictAction

import lmpt_mm  # noqa: F401  (registers lmpt_mm components)
from lmpt_mm.apis import MultiLabelInferencer, format_prediction
from lmpt_mm.cli.entry import tool_entry_point
from lmpt_mm.cli.runner_setup import load_config
from lmpt_mm.engine.safe_checkpoint import allow_unsafe_checkpoint_load


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Multi-label prediction (lmpt_mm)')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file, or `none`')
    parser.add_argument('images', nargs='+',
                        help='image files, or directories (their images, sorted)')
    parser.add_argument('--threshold', type=float, default=0.5,
                        help='report classes with score >= this (default 0.5)')
    parser.add_argument('--topk', type=int, default=None,
                        help='report the k best classes instead of thresholding')
    parser.add_argument('--show-dir', help='write the images with their predictions '
                        'drawn into this folder (<image stem>.png)')
    parser.add_argument('--device', default=None,
                        help='cpu, cuda, cuda:1, ... (default: cuda when available)')
    parser.add_argument('--batch-size', type=int, default=1)
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config entries, e.g. model.head.thr=0.3')
    parser.add_argument('--unsafe-load', action='store_true',
                        help='allow checkpoints that need arbitrary pickled objects '
                        '(weights_only=False): only for trusted files')
    return parser.parse_args(argv)


def main(argv=None) -> None:
    args = parse_args(argv)
    if args.unsafe_load:
        allow_unsafe_checkpoint_load(True)
    cfg = load_config(args.config, args.cfg_options, work_dir=None)
    checkpoint = None if args.checkpoint.lower() == 'none' else args.checkpoint
    inferencer = MultiLabelInferencer(cfg, checkpoint, device=args.device,
                                      threshold=args.threshold, topk=args.topk)
    preds = inferencer.predict(args.images, show_dir=args.show_dir,
                               batch_size=args.batch_size)
    for pred in preds:
        names = inferencer.class_names(len(pred.pred_scores))
        print(format_prediction(pred, names, args.threshold, args.topk))
    if args.show_dir:
        print(f'drawings written to {args.show_dir}')


if __name__ == '__main__':
    tool_entry_point(main)
