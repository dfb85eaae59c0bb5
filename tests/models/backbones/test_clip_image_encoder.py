"""CLIPImageEncoder: outputs against open_clip, local tokens, frozen BatchNorm."""
import pytest
import torch

from lmpt_mm.models.backbones import CLIPImageEncoder
from lmpt_mm.models.clip import load_clip


@pytest.mark.parametrize('arch', ['lmpt-tiny-vit', 'lmpt-tiny-rn'])
def test_global_matches_open_clip_and_local_shapes(arch):
    torch.manual_seed(0)
    x = torch.randn(2, 3, 32, 32)
    ref = load_clip(arch).encode_image(x)
    enc = CLIPImageEncoder(arch)
    (glob,) = enc(x)
    assert torch.allclose(glob, ref, atol=1e-5)
    enc_local = CLIPImageEncoder(arch, return_local=True)
    glob2, local = enc_local(x)
    assert torch.allclose(glob2, ref, atol=1e-5)
    num_tokens = 16 if arch == 'lmpt-tiny-vit' else 1  # 32px / patch 8; RN: 32px / 32
    assert local.shape == (2, num_tokens, enc.embed_dim)


def test_vit_local_tokens_are_projected_patch_tokens():
    """Oracle: open_clip's own token output (output_tokens=True), then ln_post/proj."""
    torch.manual_seed(0)
    x = torch.randn(2, 3, 32, 32)
    enc = CLIPImageEncoder('lmpt-tiny-vit', return_local=True)
    visual = enc.visual
    visual.output_tokens = True
    pooled, tokens = visual(x)  # tokens after ln_post, before proj
    visual.output_tokens = False
    glob, local = enc(x)
    assert torch.allclose(local, tokens @ visual.proj, atol=1e-5)
    assert torch.allclose(glob, pooled, atol=1e-5)


def test_rn_local_tokens_follow_attention_pool_value_path():
    """With a 1-position map, pool attention over [mean, x] = [x, x] (pos differs) -
    check against a hand computation of c_proj(v_proj(x + pos_1))."""
    torch.manual_seed(0)
    x = torch.randn(2, 3, 32, 32)
    enc = CLIPImageEncoder('lmpt-tiny-rn', return_local=True)
    v = enc.visual
    fmap = v.layer4(v.layer3(v.layer2(v.layer1(v.stem(x)))))  # [B, C, 1, 1]
    feat = fmap.flatten(2).transpose(1, 2)  # [B, 1, C]
    pool = v.attnpool
    ref = (feat + pool.positional_embedding[1:]) @ pool.v_proj.weight.t() + pool.v_proj.bias
    ref = ref @ pool.c_proj.weight.t() + pool.c_proj.bias
    assert torch.allclose(enc(x)[1], ref, atol=1e-5)


def test_frozen_rn_keeps_batchnorm_stats_in_train_mode():
    enc = CLIPImageEncoder('lmpt-tiny-rn')
    enc.train()
    assert enc.training and not any(m.training for m in enc.visual.modules())
    before = {k: v.clone() for k, v in enc.state_dict().items()}
    out = enc(torch.randn(4, 3, 32, 32) * 3 + 1)[0]
    assert not out.requires_grad
    for k, v in enc.state_dict().items():
        assert torch.equal(v, before[k]), k
    assert not any(p.requires_grad for p in enc.parameters())


def test_unfrozen_tower_trains():
    enc = CLIPImageEncoder('lmpt-tiny-vit', frozen=False)
    enc.train()
    assert enc.visual.training
    enc(torch.randn(2, 3, 32, 32))[0].sum().backward()
    assert all(p.grad is not None for p in enc.parameters())


def test_init_weights_keeps_clip_weights():
    enc = CLIPImageEncoder('lmpt-tiny-rn')
    before = {k: v.clone() for k, v in enc.state_dict().items()}
    enc.init_weights()
    assert all(torch.equal(v, before[k]) for k, v in enc.state_dict().items())


def test_towers_are_private_copies():
    a, b = CLIPImageEncoder('lmpt-tiny-vit'), CLIPImageEncoder('lmpt-tiny-vit')
    assert a.visual.proj.data_ptr() != b.visual.proj.data_ptr()
    assert torch.equal(a.visual.proj, b.visual.proj)


def test_rn_region_sets_and_resized_grid():
    """'mean_and_positions' = the pool's mean token, then the 'positions' set; other input
    sizes need resnet_pos_interpolation, and the global embedding at the pool's own grid
    is open_clip's attention pool output."""
    torch.manual_seed(0)
    x = torch.randn(2, 3, 32, 32)
    positions = CLIPImageEncoder('lmpt-tiny-rn', return_local=True)
    both = CLIPImageEncoder('lmpt-tiny-rn', return_local=True,
                            resnet_regions='mean_and_positions')
    both.load_state_dict(positions.state_dict())
    (g1, local), (g2, local_both) = positions(x), both(x)
    assert local_both.shape[1] == local.shape[1] + 1
    assert torch.allclose(local_both[:, 1:], local, atol=1e-6)
    assert torch.allclose(g1, g2) and torch.allclose(g1, positions.visual(x), atol=1e-5)
    big = torch.randn(2, 3, 64, 64)  # a 2x2 map against the pool's 1x1 grid
    with pytest.raises(ValueError, match="resnet_pos_interpolation='bicubic'"):
        positions(big)
    resized = CLIPImageEncoder('lmpt-tiny-rn', return_local=True,
                               resnet_pos_interpolation='bicubic')
    glob, local_big = resized(big)
    assert glob.shape == (2, resized.embed_dim) and local_big.shape[1] == 4
    global_only = CLIPImageEncoder('lmpt-tiny-rn', resnet_pos_interpolation='bicubic')
    global_only.load_state_dict(resized.state_dict())
    assert torch.allclose(global_only(big)[0], glob, atol=1e-6)


@pytest.mark.parametrize('kwargs, match', [
    (dict(arch='lmpt-tiny-rn', resnet_regions='all'), 'resnet_regions must be one of'),
    (dict(arch='lmpt-tiny-rn', resnet_pos_interpolation='nearest'), "None or 'bicubic'"),
    (dict(arch='lmpt-tiny-vit', resnet_regions='mean_and_positions'), 'apply to CLIP ResNets'),
])
def test_rn_region_options_are_checked(kwargs, match):
    with pytest.raises(ValueError, match=match):
        CLIPImageEncoder(**kwargs)
