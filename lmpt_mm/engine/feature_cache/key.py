"""The cache key: a hash of everything the cached features depend on.

Model (backbone and data-preprocessor configs, the pretrained file's path, size and
modification time, and a digest of the backbone's actual weights), the pipeline and
the views, the dataset arguments and the data files (annotation files by content,
images by content or by size and modification time). Any change gives another key,
hence another cache file: a stale cache is never read.
"""
import hashlib
import json
import os
import os.path as osp
from typing import Any, Iterable, Literal, Optional

import torch
from torch import nn

from lmpt_mm.utils.hashing import json_digest, to_jsonable

CACHE_FORMAT_VERSION = 1
ImageFingerprint = Literal['content', 'stat']
# dataset attributes naming annotation files (LTMultiLabelDataset and MMEngine's BaseDataset)
ANNOTATION_ATTRS = ('ann_file', 'label_file', 'train_ann_file', 'caption_file')


def file_stat(path: str) -> list:
    """``[absolute path, size, mtime_ns]`` of a file (``[path, None, None]`` if absent)."""
    if not osp.isfile(path):
        return [path, None, None]
    st = os.stat(path)
    return [osp.abspath(path), st.st_size, st.st_mtime_ns]


def file_digest(path: str, chunk: int = 1 << 20) -> str:
    h = hashlib.blake2b(digest_size=16)
    with open(path, 'rb') as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def files_fingerprint(paths: Iterable[str], how: ImageFingerprint) -> str:
    """Digest over ``paths`` in order, each by content or by ``(size, mtime)``."""
    h = hashlib.blake2b(digest_size=16)
    for path in paths:
        h.update(path.encode())
        if how == 'content':
            h.update(file_digest(path).encode() if osp.isfile(path) else b'<missing>')
        else:
            h.update(json.dumps(file_stat(path)).encode())
    return h.hexdigest()


def module_digest(module: nn.Module) -> str:
    """Digest of a module's state (names, dtypes, shapes and values)."""
    h = hashlib.blake2b(digest_size=16)
    for name, tensor in module.state_dict().items():
        t = tensor.detach().cpu().contiguous()
        h.update(f'{name}:{t.dtype}:{tuple(t.shape)}'.encode())
        h.update(t.view(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b'')
    return h.hexdigest()


def dataset_files(dataset) -> dict:
    """Annotation files and image paths of a built dataset, for fingerprinting."""
    ann = sorted({getattr(dataset, a) for a in ANNOTATION_ATTRS
                  if isinstance(getattr(dataset, a, None), str)
                  and osp.isfile(getattr(dataset, a))})
    images = [dataset.get_data_info(i).get('img_path', '') for i in range(len(dataset))]
    return dict(annotations=ann, images=images)


def cache_key(model_cfg: Any, backbone: nn.Module, pipeline: Any, plan: Any,
              dataset_cfg: Any, dataset, image_fingerprint: ImageFingerprint = 'content',
              pretrained: Optional[str] = None) -> str:
    """Hex key of the cache for this model, pipeline, views and data (module docstring)."""
    if image_fingerprint not in ('content', 'stat'):
        raise ValueError(f"image_fingerprint must be 'content' or 'stat', got "
                         f'{image_fingerprint!r}')
    files = dataset_files(dataset)
    dataset_args = {k: v for k, v in dict(to_jsonable(dataset_cfg) or {}).items()
                    if k != 'pipeline'}
    record = dict(
        version=CACHE_FORMAT_VERSION,
        model=to_jsonable(model_cfg),
        pretrained=file_stat(pretrained) if isinstance(pretrained, str) else pretrained,
        weights=module_digest(backbone),
        pipeline=to_jsonable(pipeline),
        views=dict(mode=plan.mode, probs=plan.probs, flips=plan.flips,
                   pipelines=to_jsonable(plan.pipelines)),
        dataset=dataset_args,
        dataset_type=type(dataset).__qualname__,
        num_samples=len(dataset),
        annotations=[[p, file_digest(p)] for p in files['annotations']],
        images=files_fingerprint(files['images'], image_fingerprint),
        image_fingerprint=image_fingerprint,
    )
    return json_digest(record, 24)
