"""Build or load the frozen-image-feature cache of a training dataset."""
import copy
import logging
import os
import os.path as osp
import time
from dataclasses import dataclass
from typing import Any, Callable, Optional, Sequence

import torch
from mmengine.dist import barrier, get_dist_info
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from torch import nn

from .dataset import CachedFeatureDataset
from .encode import SeededView, encode_dataset, encode_views
from .key import ImageFingerprint, cache_key
from .views import ViewPlan, build_pipeline, plan_views

LOG_PREFIX = 'FeatureCache'


@dataclass
class CacheResult:
    """Outcome of :func:`build_feature_cache`: a dataset, or why there is none."""
    dataset: Optional[CachedFeatureDataset]
    reason: str = ''
    key: str = ''
    path: str = ''
    encoded: bool = False  # False: loaded from an existing file
    seconds: float = 0.0


def log(msg: str, level: int = logging.INFO) -> None:
    print_log(f'{LOG_PREFIX}: {msg}', logger='current', level=level)


def unwrap(model: nn.Module) -> nn.Module:
    return model.module if is_model_wrapper(model) else model


def frozen_backbone_reason(model: nn.Module) -> str:
    """Empty if ``model``'s image encoder is frozen and the model takes cached features."""
    backbone = getattr(model, 'backbone', None)
    if backbone is None:
        return 'the model has no backbone'
    if not getattr(backbone, 'frozen', True) or any(
            p.requires_grad for p in backbone.parameters()):
        return (f'the image encoder {type(backbone).__name__} is trained (frozen=False): '
                'its features change every step')
    if not hasattr(model, 'frozen_state_prefixes'):
        return (f'{type(model).__name__} does not take cached features as inputs: use '
                "model=dict(type='CLIPPromptClassifier', ...)")
    return ''


def view_datasets(dataset, plan: ViewPlan) -> list:
    """One shallow copy of ``dataset`` per view, with the view's pipeline."""
    views = []
    for v, pipeline in enumerate(plan.pipelines):
        ds = copy.copy(dataset)
        ds.pipeline = build_pipeline(pipeline)
        views.append(SeededView(ds, v) if plan.mode == 'sampled' else ds)
    return views


def _save(path: str, payload: dict) -> None:
    os.makedirs(osp.dirname(path) or '.', exist_ok=True)
    tmp = f'{path}.tmp{os.getpid()}'
    torch.save(payload, tmp)
    os.replace(tmp, path)  # atomic: a crash never leaves a truncated cache


def _load(path: str, key: str, num: int, plan: ViewPlan,
          probe: Optional[Callable[[], list]] = None) -> Optional[list]:
    """The cached views, or None (with a log line saying why) to rebuild them.

    ``probe()`` gives the per-sample shapes the model's encoder produces now; a
    cache whose features have other shapes, or hold non-finite values, is rebuilt.
    """
    try:
        payload = torch.load(path, map_location='cpu', weights_only=True)
    except Exception as exc:  # unreadable or truncated file: rebuild
        log(f'could not read {path} ({exc}); rebuilding it', logging.WARNING)
        return None
    if payload.get('key') != key or payload.get('num_samples') != num or \
            len(payload.get('views', [])) != plan.num_views:
        log(f'{path} does not match this run; rebuilding it', logging.WARNING)
        return None
    views = [tuple(feats) for feats in payload['views']]
    if probe is not None:
        expected = probe()
        for v, feats in enumerate(views):
            got = [list(f.shape[1:]) for f in feats]
            if got != expected or any(f.shape[0] != num for f in feats):
                log(f'{path} holds features of per-image shapes {got} (view {v}) but '
                    f"the model's image encoder gives {expected}; rebuilding it",
                    logging.WARNING)
                return None
    for v, feats in enumerate(views):
        bad = [i for i, f in enumerate(feats) if not torch.isfinite(f).all()]
        if bad:
            log(f'{path} holds non-finite features (view {v}, output {bad[0]}); '
                'rebuilding it', logging.WARNING)
            return None
    return views


def build_feature_cache(model: nn.Module,
                        dataset,
                        pipeline: Sequence[dict],
                        model_cfg: Any = None,
                        dataset_cfg: Any = None,
                        cache_dir: str = 'feature_cache',
                        num_views: Optional[int] = None,
                        batch_size: int = 64,
                        num_workers: int = 0,
                        image_fingerprint: ImageFingerprint = 'content') -> CacheResult:
    """Cached-feature version of ``dataset`` for ``model``, or the reason it can't be.

    Loads ``cache_dir/<key>.pt`` when it exists, otherwise encodes every image once
    per view (each rank its share, gathered on all ranks; rank 0 writes the file).

    Args:
        model: the classifier (possibly DDP-wrapped); its ``data_preprocessor`` and
            frozen ``backbone`` encode the images.
        dataset: the built train dataset (its ``pipeline`` is replaced per view in
            shallow copies).
        pipeline: the train pipeline config (decides the views, see ``plan_views``).
        model_cfg, dataset_cfg: configs, part of the key.
        cache_dir: folder of the cache files.
        num_views: ``K`` random views for non-enumerable pipelines (see ``plan_views``).
        batch_size, num_workers: of the encoding data loader.
        image_fingerprint: images enter the key by ``'content'`` or by ``'stat'``
            (size and modification time: faster for large datasets).
    """
    model = unwrap(model)
    reason = frozen_backbone_reason(model)
    if reason:
        return CacheResult(None, reason)
    if not hasattr(dataset, 'get_data_info') or not hasattr(dataset, 'pipeline'):
        return CacheResult(None, f'{type(dataset).__name__} is not a plain dataset with a '
                           'pipeline (dataset wrappers are not supported)')
    plan = plan_views(pipeline, num_views)
    if plan.mode == 'none':
        return CacheResult(None, f'the train pipeline is not cacheable: {plan.reason}')
    if plan.mode == 'enumerated' and num_views is not None:
        log(f'num_views={num_views} ignored: the pipeline has {plan.num_views} '
            'enumerable view(s), all cached exactly')
    pretrained = getattr(model.backbone, 'pretrained', None) or _cfg_get(
        model_cfg, 'backbone', 'pretrained')
    cfg_for_key = dict(backbone=_cfg_get(model_cfg, 'backbone'),
                       data_preprocessor=_cfg_get(model_cfg, 'data_preprocessor'),
                       backbone_type=type(model.backbone).__qualname__,
                       data_preprocessor_state=_preprocessor_state(model))
    key = cache_key(cfg_for_key, model.backbone, pipeline, plan, dataset_cfg, dataset,
                    image_fingerprint, pretrained)
    path = osp.join(cache_dir, f'{key}.pt')
    pack = copy.deepcopy(dict(pipeline[-1]))
    start = time.perf_counter()
    def probe() -> list:
        """Per-image feature shapes of the model now (one image encoded)."""
        was_training = model.training
        model.eval()
        feats = encode_dataset(view_datasets(dataset, plan)[0],
                               lambda batch: model.data_preprocessor(batch, False),
                               model.backbone, batch_size=1, indices=[0])
        model.train(was_training)
        return [list(f.shape[1:]) for f in feats]

    views = _load(path, key, len(dataset), plan, probe) if osp.isfile(path) else None
    encoded = views is None
    if encoded:
        rank, world = get_dist_info()
        log(f'encoding {len(dataset)} images x {plan.num_views} view(s) '
            f'({plan.mode}) with the frozen {type(model.backbone).__name__}'
            + (f', rank {rank} of {world} encodes its share' if world > 1 else ''))
        was_training = model.training
        model.eval()
        views = encode_views(view_datasets(dataset, plan),
                             lambda batch: model.data_preprocessor(batch, False),
                             model.backbone, batch_size, num_workers)
        model.train(was_training)
        for v, feats in enumerate(views):
            if any(not torch.isfinite(f).all() for f in feats):
                rows = sorted({int(i) for f in feats
                               for i in torch.nonzero(~torch.isfinite(f.flatten(1)).all(1))})
                paths = [dataset.get_data_info(i).get('img_path') for i in rows[:3]]
                raise ValueError(
                    f'{LOG_PREFIX}: the frozen image encoder gives non-finite features '
                    f'for {len(rows)} image(s) (view {v}; first: {paths}); the cache '
                    f'{path} is not written. Check these images and the encoder weights.')
        if rank == 0:
            _save(path, dict(key=key, num_samples=len(dataset), mode=plan.mode,
                             probs=plan.probs, flips=plan.flips,
                             views=[list(v) for v in views]))
        barrier()
    seconds = time.perf_counter() - start
    size_mb = sum(f.numel() * f.element_size() for v in views for f in v) / 2**20
    log(f'{"built" if encoded else "loaded"} {path} ({size_mb:.1f} MiB, '
        f'{plan.num_views} view(s), {seconds:.1f} s)')
    if plan.mode == 'sampled':
        log(f'training on {plan.reason}, drawn uniformly: this is NOT the augmentation '
            'distribution of the pipeline (a fixed set of draws per image)',
            logging.WARNING)
    cached = CachedFeatureDataset(dataset, views, plan.probs, plan.flips, pack)
    return CacheResult(cached, '', key, path, encoded, seconds)


def _cfg_get(cfg: Any, *keys: str) -> Any:
    for k in keys:
        if cfg is None:
            return None
        cfg = cfg.get(k) if hasattr(cfg, 'get') else None
    return cfg


def _preprocessor_state(model: nn.Module) -> list:
    pre = model.data_preprocessor
    state = [type(pre).__qualname__, bool(getattr(pre, 'to_rgb', False))]
    for name in ('mean', 'std'):
        t = getattr(pre, name, None)
        state.append(None if t is None else [float(x) for x in t.flatten()])
    return state

