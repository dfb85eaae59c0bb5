"""Train on cached frozen-encoder features instead of decoded images."""
from __future__ import annotations

import logging
import os.path as osp
from typing import Literal, Optional

from mmengine.hooks import Hook
from mmpretrain.registry import HOOKS

from .cache import build_feature_cache, log
from .dataset import CachedFeatureLoader


@HOOKS.register_module()
class FeatureCacheHook(Hook):
    """Encode every training image once per augmentation view; train on the features.

    Before training, when the image encoder is frozen and the train pipeline's
    views are enumerable (deterministic transforms plus one horizontal
    ``RandomFlip``: views ``{no flip, flip}``), the train dataloader is replaced by
    a :class:`CachedFeatureLoader` over a :class:`CachedFeatureDataset`: each image
    draws a view with the pipeline's probabilities from the global torch RNG and
    contributes its cached features plus the usual data sample (labels, caption),
    a whole batch at a time. The sampler and batch sampler are kept, so batches
    hold the same images in the same order.
    Validation and testing still read images.

    The cache lives in ``dir`` (default ``work_dir/feature_cache``) as
    ``<key>.pt``, the key hashing the backbone config and weights, the pretrained
    file, the data preprocessor, the pipeline, the dataset arguments and data files;
    a matching file is reused without encoding. Otherwise (trainable encoder,
    random crops / colour jitter without ``num_views``, dataset wrappers, a model
    that is not a ``CLIPPromptClassifier``) the hook logs why and training runs on
    images as usual.

    Enable with ``custom_hooks = [dict(type='FeatureCacheHook')]`` or the top-level
    ``feature_cache = dict(enable=True)`` (see ``apply_feature_cache_cfg``).

    Args:
        enable: switch.
        num_views: cache ``K`` random views per image for pipelines with random
            transforms other than the flip, drawn uniformly in training (this changes
            the augmentation distribution); ``None`` falls back to images instead.
        dir: cache folder (relative paths are relative to the work dir).
        batch_size: encoding batch size (default: the train dataloader's).
        num_workers: encoding loader workers (default: the train dataloader's).
        image_fingerprint: images enter the key by ``'content'`` (default) or by
            ``'stat'`` (size and modification time).
    """

    priority = 'NORMAL'

    def __init__(self,
                 enable: bool = True,
                 num_views: Optional[int] = None,
                 dir: Optional[str] = None,
                 batch_size: Optional[int] = None,
                 num_workers: Optional[int] = None,
                 image_fingerprint: Literal['content', 'stat'] = 'content') -> None:
        self.enable = enable
        self.num_views = num_views
        self.dir = dir
        self.batch_size = batch_size
        self.num_workers = num_workers
        self.image_fingerprint = image_fingerprint
        self.result = None

    def before_train(self, runner) -> None:
        if not self.enable:
            return
        loop = runner.train_loop
        loader = loop.dataloader
        loader_cfg = runner.cfg.get('train_dataloader') or {}
        dataset_cfg = loader_cfg.get('dataset') or {}
        pipeline = dataset_cfg.get('pipeline')
        if not pipeline:
            log('no train pipeline in the config (train_dataloader.dataset.pipeline); '
                'training on images without the feature cache', logging.WARNING)
            return
        cache_dir = self.dir or 'feature_cache'
        if not osp.isabs(cache_dir):
            cache_dir = osp.join(runner.work_dir, cache_dir)
        self.result = build_feature_cache(
            runner.model, loader.dataset, pipeline,
            model_cfg=runner.cfg.get('model'), dataset_cfg=dataset_cfg,
            cache_dir=cache_dir, num_views=self.num_views,
            batch_size=self.batch_size or loader.batch_size or 64,
            num_workers=loader.num_workers if self.num_workers is None
            else self.num_workers,
            image_fingerprint=self.image_fingerprint)
        if self.result.dataset is None:
            log(f'not used - {self.result.reason}. Training on images as usual.',
                logging.WARNING)
            return
        # Pack every (image, view)'s data sample now: no packing inside the steps.
        self.result.dataset.pack_all()
        # Features are in memory: whole batches, no workers. Same batch sampler: same
        # images in the same order.
        cached_loader = CachedFeatureLoader(self.result.dataset, loader.batch_sampler)
        loop.dataloader = cached_loader
        if hasattr(loop, 'dataloader_iterator'):  # IterBasedTrainLoop
            from mmengine.runner.loops import _InfiniteDataloaderIterator
            loop.dataloader_iterator = _InfiniteDataloaderIterator(cached_loader)
        log('training on cached image features')
