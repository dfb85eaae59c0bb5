"""Model, batches and device helpers shared by the benchmark's measurements."""
import copy
import platform
from typing import List, Optional

import torch
from mmengine.config import Config
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

from lmpt_mm.engine.feature_cache import FEATS_KEY, LOCAL_FEATS_KEY


def sync(device: str) -> None:
    """Wait for queued device work (timings on CUDA); a no-op on CPU."""
    if device.startswith('cuda'):
        torch.cuda.synchronize()


def benchmark_model_cfg(cfg: Config, arch: Optional[str] = None,
                        random_weights: bool = False) -> dict:
    """The config's model as a ``CLIPPromptClassifier``, optionally re-targeted."""
    model = copy.deepcopy(cfg.model.to_dict() if hasattr(cfg.model, 'to_dict')
                          else dict(cfg.model))
    if model.get('type') in ('ImageClassifier', 'mmpretrain.ImageClassifier'):
        model['type'] = 'CLIPPromptClassifier'
    for part in ('backbone', 'head'):
        if arch is not None:
            model[part]['arch'] = arch
        if random_weights:
            model[part]['pretrained'] = None
    return model


def image_size(model) -> int:
    size = getattr(model.backbone.visual, 'image_size', 224)
    return int(size[0] if isinstance(size, (tuple, list)) else size)


def synthetic_batches(num_batches: int, batch_size: int, size: int, classes: List[str],
                      seed: int = 0) -> List[dict]:
    """Raw (collated, un-preprocessed) batches: uint8 images, labels, captions."""
    gen = torch.Generator().manual_seed(seed)
    batches = []
    for _ in range(num_batches):
        imgs, samples = [], []
        for _ in range(batch_size):
            imgs.append(torch.randint(0, 256, (3, size, size), generator=gen,
                                      dtype=torch.uint8))
            labels = sorted(set(torch.randint(0, len(classes), (2, ),
                                              generator=gen).tolist()))
            caption = 'a photo of a ' + ' and a '.join(classes[i] for i in labels)
            samples.append(DataSample(metainfo=dict(caption=caption)).set_gt_label(labels))
        batches.append(dict(inputs=imgs, data_samples=samples))
    return batches


def build_model(model_cfg: dict, batches: List[dict], device: str):
    """The model on ``device``, with class statistics of the synthetic labels."""
    model = MODELS.build(copy.deepcopy(model_cfg)).to(device)
    head = getattr(model, 'head', None)
    if hasattr(head, 'set_class_stats'):
        samples = [s for b in batches for s in b['data_samples']]
        freq = [0] * head.num_classes
        for s in samples:
            for i in s.gt_label.tolist():
                freq[i] += 1
        freq = [max(n, 1) for n in freq]
        head.set_class_stats(freq, [len(samples) - n for n in freq])
    return model


@torch.no_grad()
def feature_batch(model, batch: dict) -> dict:
    """The cached-feature form of a raw batch (what ``FeatureCacheHook`` feeds)."""
    data = model.data_preprocessor(copy.copy(batch), False)
    feats = model.backbone(data['inputs'])
    inputs = {FEATS_KEY: feats[0].float().cpu()}
    if len(feats) > 1:
        inputs[LOCAL_FEATS_KEY] = feats[1].float().cpu()
    return dict(inputs=inputs, data_samples=batch['data_samples'])


def device_name(device: str) -> str:
    if device.startswith('cuda'):
        return torch.cuda.get_device_name(torch.device(device))
    return f'CPU ({platform.processor() or platform.machine()}, ' \
           f'{torch.get_num_threads()} torch threads)'
