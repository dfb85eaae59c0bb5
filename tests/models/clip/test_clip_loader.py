"""load_clip: random init, local files (state dict, open_clip checkpoint), errors."""
import pytest
import torch

from lmpt_mm.models.clip import clear_clip_cache, load_clip


def _assert_same_weights(a, b):
    sa, sb = a.state_dict(), b.state_dict()
    assert sa.keys() == sb.keys()
    for k in sa:
        assert torch.equal(sa[k], sb[k]), k


def _perturbed(model):
    """A state dict different from the seeded random init, so a round trip is not trivial."""
    gen = torch.Generator().manual_seed(123)
    return {k: v + torch.randn(v.shape, generator=gen) if v.is_floating_point() else v
            for k, v in model.state_dict().items()}


def test_random_init_is_seeded_frozen_and_eval():
    torch.manual_seed(1)
    a = load_clip('lmpt-tiny-vit', None, cache=False)
    torch.manual_seed(2)
    b = load_clip('lmpt-tiny-vit', None, cache=False)
    _assert_same_weights(a, b)
    assert not a.training
    assert not any(p.requires_grad for p in a.parameters())


def test_cache_returns_one_load():
    assert load_clip('lmpt-tiny-rn') is load_clip('lmpt-tiny-rn')


@pytest.mark.parametrize('wrap', ['plain', 'open_clip_module'])
def test_state_dict_round_trip(tmp_path, wrap):
    src = load_clip('lmpt-tiny-vit', None, cache=False)
    sd = _perturbed(src)
    if wrap == 'open_clip_module':  # open_clip training checkpoint saved from DDP
        obj = dict(epoch=3, state_dict={f'module.{k}': v for k, v in sd.items()})
    else:
        obj = sd
    path = tmp_path / 'tiny.pt'
    torch.save(obj, path)
    loaded = load_clip('lmpt-tiny-vit', str(path))
    for k, v in loaded.state_dict().items():
        assert torch.equal(v, sd[k]), k
    clear_clip_cache()


def test_openai_style_state_dict_turns_on_quick_gelu(tmp_path):
    src = load_clip('lmpt-tiny-vit', None, quick_gelu=False, cache=False)
    sd = dict(src.state_dict(), input_resolution=torch.tensor(32),
              context_length=torch.tensor(32), vocab_size=torch.tensor(49408))
    path = tmp_path / 'openai_like.pt'
    torch.save(sd, path)
    loaded = load_clip('lmpt-tiny-vit', str(path), cache=False)
    acts = {type(m).__name__ for m in loaded.modules()}
    assert 'QuickGELU' in acts
    plain = tmp_path / 'plain.pt'
    torch.save(src.state_dict(), plain)
    no_qg = load_clip('lmpt-tiny-vit', str(plain), quick_gelu=False, cache=False)
    assert 'QuickGELU' not in {type(m).__name__ for m in no_qg.modules()}


def test_torchscript_archive(tmp_path):
    """OpenAI ships TorchScript archives; they are read without weights_only unpickling."""
    src = load_clip('lmpt-tiny-vit', None, cache=False)
    sd = _perturbed(src)

    class Holder(torch.nn.Module):  # a scriptable module carrying the CLIP state dict
        def __init__(self):
            super().__init__()
            for k, v in sd.items():
                parent = self
                *path, leaf = k.split('.')
                for p in path:
                    if not hasattr(parent, p):
                        parent.add_module(p, torch.nn.Module())
                    parent = getattr(parent, p)
                parent.register_parameter(leaf, torch.nn.Parameter(v, requires_grad=False))
            self.register_buffer('input_resolution', torch.tensor(32))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x

    path = tmp_path / 'ViT-tiny.pt'
    torch.jit.save(torch.jit.script(Holder()), str(path))
    with pytest.raises(Exception):
        torch.load(path, weights_only=True)
    loaded = load_clip('lmpt-tiny-vit', str(path), cache=False)
    for k, v in loaded.state_dict().items():
        assert torch.equal(v, sd[k]), k
    assert 'QuickGELU' in {type(m).__name__ for m in loaded.modules()}


def test_missing_path_names_file_and_download(tmp_path):
    missing = tmp_path / 'RN50.pt'
    with pytest.raises(FileNotFoundError) as err:
        load_clip('RN50', str(missing))
    msg = str(err.value)
    assert str(missing) in msg and 'RN50.pt' in msg and 'download' in msg


def test_wrong_architecture(tmp_path):
    path = tmp_path / 'rn.pt'
    torch.save(load_clip('lmpt-tiny-rn', None, cache=False).state_dict(), path)
    with pytest.raises(ValueError, match="lmpt-tiny-vit") as err:
        load_clip('lmpt-tiny-vit', str(path), cache=False)
    assert str(path) in str(err.value)


def test_unknown_arch():
    with pytest.raises(ValueError, match='Unknown open_clip architecture'):
        load_clip('no-such-model', None, cache=False)


def test_arbitrary_pickle_is_refused(tmp_path):
    path = tmp_path / 'obj.pt'
    torch.save({'state_dict': {'x': torch.zeros(1)}, 'obj': _Custom()}, path)
    with pytest.raises(ValueError, match='weights_only'):
        load_clip('lmpt-tiny-vit', str(path), cache=False)


class _Custom:
    pass
