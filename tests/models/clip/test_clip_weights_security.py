"""CLIP weight files never run code; the activation is never guessed.

* TorchScript archives (OpenAI's format) are read by a tensors-only unpickler: the
  weights of a traced tiny open_clip model (fp16, as OpenAI ships them) come back
  exactly, as ``torch.jit.load(...).state_dict()`` lists them; a scripted module
  whose ``__setstate__`` writes a file, and a ``data.pkl`` naming another global,
  are refused without the payload running.
* A plain state dict for an architecture whose open_clip config leaves
  ``quick_gelu`` open is refused until ``quick_gelu`` is set; files that say
  (TorchScript, OpenAI's extra entries) get QuickGELU.
"""
import json
import pickle
import zipfile
from pathlib import Path
from typing import Tuple

import open_clip
import pytest
import torch

from lmpt_mm.models.clip import MODEL_CONFIG_DIR, load_clip
from lmpt_mm.models.clip.torchscript_archive import read_torchscript_tensors

# lmpt-tiny-vit without the "quick_gelu" entry: like open_clip's ViT-B-16 config.
OPEN_ARCH = 'lmpt-test-tiny-vit-activation-open'


def _activations(model) -> set:
    return {type(m).__name__ for m in model.modules()} & {'QuickGELU', 'GELU'}


@pytest.fixture(scope='module')
def tiny():
    """A tiny open_clip model with weights different from the seeded random init."""
    model = open_clip.create_model('lmpt-tiny-vit', quick_gelu=True).eval()
    gen = torch.Generator().manual_seed(7)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn(p.shape, generator=gen))
    return model


@pytest.fixture(scope='module')
def traced_fp16(tiny, tmp_path_factory):
    """``torch.jit.save`` of the traced model in fp16, the layout of OpenAI's files."""
    model = open_clip.create_model('lmpt-tiny-vit', quick_gelu=True).eval()
    model.load_state_dict(tiny.state_dict())
    model = model.half()
    image = torch.zeros(1, 3, *model.visual.image_size, dtype=torch.half)
    text = torch.zeros(1, model.context_length, dtype=torch.long)
    path = tmp_path_factory.mktemp('ts') / 'ViT-tiny.pt'
    torch.jit.save(torch.jit.trace(model, (image, text), check_trace=False), str(path))
    return path, model


def test_traced_archive_weights_read_exactly(traced_fp16):
    path, half = traced_fp16
    tensors = read_torchscript_tensors(str(path))
    reference = torch.jit.load(str(path)).state_dict()  # trusted file: the oracle
    assert tensors.keys() == reference.keys()
    for key, value in reference.items():
        assert tensors[key].dtype == value.dtype == torch.half, key
        assert torch.equal(tensors[key], value), key
    loaded = load_clip('lmpt-tiny-vit', str(path), cache=False)
    expected = half.float().state_dict()
    assert loaded.state_dict().keys() == expected.keys()
    for key, value in loaded.state_dict().items():
        assert torch.equal(value, expected[key]), key
    assert _activations(loaded) == {'QuickGELU'}  # the file says: OpenAI's format


class _WritesFile(torch.nn.Module):
    """A scripted module whose ``__setstate__`` (run by torch.jit.load) writes a file."""

    def __init__(self, marker: str):
        super().__init__()
        self.marker = marker
        self.weight = torch.nn.Parameter(torch.ones(2))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.weight

    @torch.jit.export
    def __getstate__(self) -> Tuple[str, torch.Tensor, bool]:
        return (self.marker, self.weight, self.training)

    @torch.jit.export
    def __setstate__(self, state: Tuple[str, torch.Tensor, bool]) -> None:
        self.marker = state[0]
        self.weight = state[1]
        self.training = state[2]
        planted = torch.from_file(self.marker, shared=True, size=4, dtype=torch.uint8)
        planted.fill_(65)
        print('payload ran', planted)


class _Outer(torch.nn.Module):
    def __init__(self, marker: str):
        super().__init__()
        self.inner = _WritesFile(marker)
        self.proj = torch.nn.Linear(2, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.proj(self.inner(x))


def test_archive_with_setstate_code_is_refused_without_running_it(tmp_path):
    marker = tmp_path / 'sitecustomize.py'
    path = tmp_path / 'ViT-B-16.pt'
    torch.jit.save(torch.jit.script(_Outer(str(marker))), str(path))
    with pytest.raises(ValueError) as err:
        load_clip('lmpt-tiny-vit', str(path), cache=False)
    msg = str(err.value)
    assert str(path) in msg and '__setstate__' in msg and 'refused' in msg
    assert not marker.exists()
    # The archive is a real attack: torch.jit.load runs the payload.
    torch.jit.load(str(path))
    assert marker.read_bytes() == b'AAAA'


class _OpensFile:
    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return open, (self.path, 'w')


def test_archive_pickle_naming_another_global_is_refused(tmp_path):
    marker = tmp_path / 'planted.txt'
    path = tmp_path / 'RN50.pt'
    with zipfile.ZipFile(path, 'w') as zf:
        zf.writestr('RN50/data.pkl', pickle.dumps({'weight': _OpensFile(str(marker))},
                                                  protocol=2))
        zf.writestr('RN50/constants.pkl', pickle.dumps(()))
        zf.writestr('RN50/code/__torch__.py', '')
    with pytest.raises(ValueError, match=r'global io\.open is not allowed'):
        load_clip('lmpt-tiny-vit', str(path), cache=False)
    assert not marker.exists()


@pytest.fixture(scope='module')
def open_arch(tmp_path_factory):
    """Register a tiny open_clip config that does not set ``quick_gelu``."""
    cfg = json.loads((MODEL_CONFIG_DIR / 'lmpt-tiny-vit.json').read_text())
    cfg.pop('quick_gelu')
    folder = tmp_path_factory.mktemp('cfg')
    (folder / f'{OPEN_ARCH}.json').write_text(json.dumps(cfg))
    open_clip.add_model_config(folder)
    return OPEN_ARCH


def test_plain_state_dict_needs_explicit_quick_gelu(tiny, open_arch, tmp_path):
    path = tmp_path / 'openai_state_dict.pt'
    torch.save(tiny.state_dict(), path)  # OpenAI's layout: says nothing
    with pytest.raises(ValueError) as err:
        load_clip(open_arch, str(path), cache=False)
    msg = str(err.value)
    assert str(path) in msg and 'quick_gelu' in msg and 'QuickGELU' in msg
    assert 'model.backbone.quick_gelu=True' in msg
    explicit = load_clip(open_arch, str(path), quick_gelu=True, cache=False)
    assert _activations(explicit) == {'QuickGELU'}
    gelu = load_clip(open_arch, str(path), quick_gelu=False, cache=False)
    assert _activations(gelu) == {'GELU'}
    # The source's outputs come back only with its activation.
    text = torch.randint(0, 100, (2, tiny.context_length),
                         generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        reference = tiny.encode_text(text)
        scale = reference.abs().max()
        assert (explicit.encode_text(text) - reference).abs().max() < 1e-5 * scale
        assert (gelu.encode_text(text) - reference).abs().max() > 1e-4 * scale


def test_state_dict_that_says_openai_gets_quick_gelu(tiny, open_arch, tmp_path):
    path = tmp_path / 'openai_marked.pt'
    torch.save(dict(tiny.state_dict(), input_resolution=torch.tensor(32),
                    context_length=torch.tensor(32), vocab_size=torch.tensor(49408)),
               path)
    assert _activations(load_clip(open_arch, str(path), cache=False)) == {'QuickGELU'}


def test_package_never_calls_torch_jit_load():
    import ast

    import lmpt_mm
    package = Path(lmpt_mm.__file__).parent
    calls = []
    for path in sorted(package.rglob('*.py')) + sorted(
            (package.parent / 'tools').glob('*.py')):
        text = path.read_text()
        if 'jit' not in text:
            continue
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                    node.func.attr == 'load' and ast.unparse(node.func.value).endswith(
                        'jit'):
                calls.append(f'{path}:{node.lineno}')
    assert not calls, calls
