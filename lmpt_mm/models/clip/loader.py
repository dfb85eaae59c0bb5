"""Build an open_clip CLIP model and load its weights: tag, local file, or random.

``load_clip(arch, pretrained)`` is the single entry point used by the image-encoder
backbone and the prompt heads. ``pretrained`` is one of

* ``None`` - random initialisation (tests, offline work). The draw uses a fixed
  seed (:data:`RANDOM_INIT_SEED`), so the backbone and the head of one model, and two
  models built in any order, get identical weights whatever the global RNG state.
* an open_clip tag such as ``'openai'`` - downloaded by open_clip (needs network).
* a local file:

  - OpenAI's original TorchScript archive (``RN50.pt``, ``ViT-B-16.pt``). These files
    fail under ``torch.load(weights_only=True)``; they are read with
    ``torch.jit.load``, whose archive code is compiled by TorchScript and whose
    pickles are restricted to tensors and TorchScript types (no arbitrary Python
    objects are created), and only the state dict is kept - no JIT module is used.
  - a plain state dict, or an open_clip checkpoint ``{'state_dict': ...}`` (keys may
    carry DDP's ``module.`` prefix), read with ``torch.load(weights_only=True)``;
    ``.safetensors`` files too.

QuickGELU: OpenAI's models were trained with QuickGELU. With ``quick_gelu=None`` it
is switched on automatically for OpenAI weights - the ``'openai'`` tag, TorchScript
archives, and state dicts still carrying OpenAI's ``input_resolution`` /
``context_length`` / ``vocab_size`` entries - and otherwise taken from the open_clip
model config (e.g. ``RN50`` vs ``RN50-quickgelu``). Pass ``quick_gelu=True/False`` to
override.

Loads are cached per ``(arch, pretrained, quick_gelu)`` (files also by modification
time), so the backbone and the head of a model read a checkpoint once. The cached
model is shared: consumers copy the tower they keep (see
:func:`copy_visual_tower`) instead of holding the cached modules, so two
classifiers never share parameters.
"""
import copy
import os
import warnings
import zipfile
from pathlib import Path
from typing import Dict, Optional, Tuple

import open_clip
import torch
from open_clip.pretrained import get_pretrained_cfg, list_pretrained_tags_by_model
from torch import nn

from .freeze import freeze_module

RANDOM_INIT_SEED = 0
# Entries of OpenAI's TorchScript state dicts that are not open_clip parameters.
_OPENAI_EXTRA_KEYS = ('input_resolution', 'context_length', 'vocab_size')

_CACHE: Dict[Tuple, nn.Module] = {}


def _download_help(arch: str) -> str:
    cfg = get_pretrained_cfg(arch, 'openai') or {}
    url = cfg.get('url')
    where = f' from {url}' if url else ''
    filename = Path(url).name if url else f'{arch}.pt'
    return (f"download OpenAI's original checkpoint '{filename}'{where} (or any "
            f"open_clip checkpoint of '{arch}') and pass its local path as "
            f"pretrained='/path/to/{filename}'")


def _is_torchscript_archive(path: str) -> bool:
    """TorchScript zips hold a ``code/`` folder and ``constants.pkl``; torch.save zips do not."""
    if not zipfile.is_zipfile(path):
        return False
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
    return any(n.endswith('constants.pkl') or '/code/' in n for n in names)


def read_state_dict(path: str) -> Tuple[Dict[str, torch.Tensor], bool]:
    """Read a CLIP checkpoint file into an open_clip-style state dict.

    Returns:
        ``(state_dict, is_openai)``; ``is_openai`` is True for OpenAI's TorchScript
        archives and state dicts carrying OpenAI's extra entries.

    Raises:
        FileNotFoundError: ``path`` is not a file.
        ValueError: the file is not a state dict readable without executing pickles.
    """
    if not os.path.isfile(path):
        raise FileNotFoundError(f"CLIP weights file '{path}' does not exist.")
    is_openai = False
    if str(path).endswith('.safetensors'):
        from safetensors.torch import load_file
        checkpoint = load_file(path, device='cpu')
    elif _is_torchscript_archive(path):
        with warnings.catch_warnings():  # torch.jit's deprecation notice; we keep no JIT
            warnings.simplefilter('ignore', FutureWarning)
            checkpoint = torch.jit.load(path, map_location='cpu').state_dict()
        is_openai = True
    else:
        try:
            checkpoint = torch.load(path, map_location='cpu', weights_only=True)
        except Exception as err:  # UnpicklingError and friends
            raise ValueError(
                f"Could not read '{path}' as a state dict with torch.load(weights_only="
                f"True) ({type(err).__name__}: {err}). lmpt_mm never unpickles arbitrary "
                'objects: save the weights as a state dict (torch.save(model.state_dict(), '
                "path)) or use OpenAI's TorchScript archive.") from err
    if isinstance(checkpoint, dict) and isinstance(checkpoint.get('state_dict'), dict):
        checkpoint = checkpoint['state_dict']
    if not isinstance(checkpoint, dict) or not checkpoint:
        raise ValueError(f"'{path}' holds a {type(checkpoint).__name__}, not a non-empty "
                         'state dict (or {"state_dict": ...}).')
    if all(k.startswith('module.') for k in checkpoint):
        checkpoint = {k[len('module.'):]: v for k, v in checkpoint.items()}
    if any(k in checkpoint for k in _OPENAI_EXTRA_KEYS):
        is_openai = True
    state_dict = {k: v for k, v in checkpoint.items() if k not in _OPENAI_EXTRA_KEYS}
    return state_dict, is_openai


def _create(arch: str, quick_gelu: Optional[bool]) -> nn.Module:
    if arch not in open_clip.list_models():
        raise ValueError(f"Unknown open_clip architecture '{arch}'. Known names include "
                         "'RN50', 'ViT-B-16' and lmpt_mm's test configs 'lmpt-tiny-vit', "
                         "'lmpt-tiny-rn' (open_clip.list_models() lists all).")
    kwargs = {} if quick_gelu is None else {'quick_gelu': bool(quick_gelu)}
    return open_clip.create_model(arch, pretrained=None, **kwargs)


def _load_file(arch: str, path: str, quick_gelu: Optional[bool]) -> nn.Module:
    if not os.path.isfile(path):
        raise FileNotFoundError(
            f"CLIP weights '{path}' for architecture '{arch}' not found (it is neither an "
            f"open_clip tag of '{arch}' {list_pretrained_tags_by_model(arch)} nor an "
            f'existing file). To use weights offline, {_download_help(arch)}.')
    state_dict, is_openai = read_state_dict(path)
    if quick_gelu is None and is_openai:
        quick_gelu = True
    model = _create(arch, quick_gelu)
    logit_scale = state_dict.get('logit_scale')
    if logit_scale is not None and logit_scale.ndim != model.logit_scale.ndim:
        state_dict['logit_scale'] = logit_scale.reshape(model.logit_scale.shape)
    try:
        model.load_state_dict(state_dict, strict=True)
    except RuntimeError as err:
        raise ValueError(
            f"Weights in '{path}' do not match open_clip architecture '{arch}' (is the "
            f"file for another model, e.g. RN50 vs ViT-B-16?). Details: {err}") from err
    return model


def _load_tag(arch: str, tag: str, quick_gelu: Optional[bool]) -> nn.Module:
    if quick_gelu is None:
        quick_gelu = bool(get_pretrained_cfg(arch, tag).get('quick_gelu', False))
    try:
        return open_clip.create_model(arch, pretrained=tag, force_quick_gelu=quick_gelu)
    except Exception as err:
        raise RuntimeError(
            f"Could not fetch open_clip weights '{arch}' / '{tag}' ({type(err).__name__}: "
            f'{err}). Without network access, {_download_help(arch)}.') from err


def load_clip(arch: str,
              pretrained: Optional[str] = None,
              *,
              quick_gelu: Optional[bool] = None,
              cache: bool = True) -> nn.Module:
    """Return the open_clip CLIP model ``arch`` with weights ``pretrained``, frozen, in eval.

    Args:
        arch: open_clip model name (``'RN50'``, ``'ViT-B-16'``, ``'lmpt-tiny-vit'``...).
        pretrained: ``None`` (seeded random init), an open_clip tag (``'openai'``) or a
            local file path (see the module docstring).
        quick_gelu: force QuickGELU on/off; ``None`` decides from the weights.
        cache: reuse a model already loaded with the same arguments. The returned
            model is then shared: copy what you keep.

    Raises:
        FileNotFoundError: missing file (the message says what to download).
        ValueError: unknown arch, unreadable file or architecture mismatch.
        RuntimeError: an open_clip tag could not be downloaded.
    """
    key = None
    if cache:
        stamp = os.path.getmtime(pretrained) if pretrained and os.path.isfile(
            pretrained) else None
        key = (arch, pretrained, quick_gelu, stamp)
        if key in _CACHE:
            return _CACHE[key]
    if pretrained is None:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(RANDOM_INIT_SEED)
            model = _create(arch, quick_gelu)
    elif get_pretrained_cfg(arch, pretrained) and not os.path.isfile(pretrained):
        model = _load_tag(arch, pretrained, quick_gelu)
    else:
        model = _load_file(arch, str(pretrained), quick_gelu)
    freeze_module(model)
    if cache:
        _CACHE[key] = model
    return model


def clear_clip_cache() -> None:
    """Drop all cached CLIP models (frees their memory once no copy refers to them)."""
    _CACHE.clear()


def copy_visual_tower(clip_model: nn.Module) -> nn.Module:
    """A private, frozen copy of ``clip_model.visual`` (the cached model stays untouched)."""
    return freeze_module(copy.deepcopy(clip_model.visual))
