"""Build an open_clip CLIP model and load its weights: tag, local file, or random.

``load_clip(arch, pretrained)`` is the single entry point used by the image-encoder
backbone and the prompt heads. ``pretrained`` is one of

* ``None`` - random initialisation (tests, offline work). The draw uses a fixed
  seed (:data:`RANDOM_INIT_SEED`), so the backbone and the head of one model, and two
  models built in any order, get identical weights whatever the global RNG state.
* an open_clip tag such as ``'openai'`` - downloaded by open_clip (needs network).
* a local file:

  - OpenAI's original TorchScript archive (``RN50.pt``, ``ViT-B-16.pt``). These files
    fail under ``torch.load(weights_only=True)``, and ``torch.jit.load`` would run
    the archive's own code (a crafted file can write files while it is read); their
    tensors are read by :func:`~lmpt_mm.models.clip.torchscript_archive.
    read_torchscript_tensors`, which unpickles only module records and tensors and
    never reads the archive's code.
  - a plain state dict, or an open_clip checkpoint ``{'state_dict': ...}`` (keys may
    carry DDP's ``module.`` prefix), read with ``torch.load(weights_only=True)``;
    ``.safetensors`` files too.

QuickGELU: OpenAI's models were trained with QuickGELU, most others with GELU; the
wrong one changes every output by a few percent without any error, so it is never
guessed. With ``quick_gelu=None`` it is taken from

* the weights when they say: the ``'openai'`` tag, TorchScript archives (OpenAI's
  format) and state dicts still carrying OpenAI's ``input_resolution`` /
  ``context_length`` / ``vocab_size`` entries get QuickGELU;
* else the open_clip model config when it sets ``quick_gelu`` (``RN50-quickgelu``,
  lmpt_mm's ``lmpt-*`` configs) - a choice made by naming the architecture;
* else (a plain state dict for e.g. ``ViT-B-16``, whose config leaves it open)
  :func:`load_clip` raises, asking for ``quick_gelu=True/False``.

Pass ``quick_gelu=True/False`` to override.

Loads are cached per ``(arch, pretrained, quick_gelu)`` (files also by modification
time), so the backbone and the head of a model read a checkpoint once. The cached
model is shared: consumers copy the tower they keep (see
:func:`copy_visual_tower`) instead of holding the cached modules, so two
classifiers never share parameters.
"""
import copy
import os
from pathlib import Path
from typing import Dict, Optional, Tuple

import open_clip
import torch
from open_clip.pretrained import get_pretrained_cfg, list_pretrained_tags_by_model
from torch import nn

from .freeze import freeze_module
from .torchscript_archive import is_torchscript_archive, read_torchscript_tensors

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
    elif is_torchscript_archive(path):
        checkpoint = read_torchscript_tensors(path)
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


def _check_arch(arch: str) -> None:
    if arch not in open_clip.list_models():
        raise ValueError(f"Unknown open_clip architecture '{arch}'. Known names include "
                         "'RN50', 'ViT-B-16' and lmpt_mm's test configs 'lmpt-tiny-vit', "
                         "'lmpt-tiny-rn' (open_clip.list_models() lists all).")


def _create(arch: str, quick_gelu: Optional[bool]) -> nn.Module:
    _check_arch(arch)
    kwargs = {} if quick_gelu is None else {'quick_gelu': bool(quick_gelu)}
    return open_clip.create_model(arch, pretrained=None, **kwargs)


def _load_file(arch: str, path: str, quick_gelu: Optional[bool]) -> nn.Module:
    if not os.path.isfile(path):
        raise FileNotFoundError(
            f"CLIP weights '{path}' for architecture '{arch}' not found (it is neither an "
            f"open_clip tag of '{arch}' {list_pretrained_tags_by_model(arch)} nor an "
            f'existing file). To use weights offline, {_download_help(arch)}.')
    _check_arch(arch)
    state_dict, is_openai = read_state_dict(path)
    if quick_gelu is None:
        quick_gelu = True if is_openai else open_clip.get_model_config(arch).get(
            'quick_gelu')
    if quick_gelu is None:
        raise ValueError(
            f"Cannot tell which activation the CLIP weights '{path}' were trained with: "
            'the file is a plain state dict (no TorchScript archive, no OpenAI '
            f"input_resolution/context_length/vocab_size entries) and open_clip's "
            f"'{arch}' config does not set quick_gelu. OpenAI's CLIP weights need "
            'QuickGELU, most other open_clip weights (LAION, DataComp) GELU; the wrong '
            'one shifts every output by a few percent without any error. Set it '
            'explicitly on every CLIP component, e.g. --cfg-options '
            'model.backbone.quick_gelu=True model.head.quick_gelu=True (False for '
            "GELU), or use the architecture's '-quickgelu' variant.")
    model = _create(arch, quick_gelu)
    # Non-persistent buffers (open_clip's attention mask) are rebuilt by the
    # model; TorchScript archives store them like any buffer.
    persistent = model.state_dict().keys()
    for name, _ in model.named_buffers():
        if name not in persistent:
            state_dict.pop(name, None)
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
