"""The embedding neck splits student outputs into the two views and projects them."""
import pytest
import torch

from lmpt_mm.models.necks import DualViewEmbeddingNeck, split_views


def test_vit_tokens_cls_is_global_patches_are_local():
    tokens = torch.randn(2, 1 + 16, 8)
    g, local = split_views((tokens, ))
    assert torch.equal(g, tokens[:, 0]) and torch.equal(local, tokens[:, 1:])


def test_feature_map_positions_are_local_and_mean_is_global():
    fmap = torch.randn(2, 8, 3, 3)
    g, local = split_views((fmap, ))
    assert local.shape == (2, 9, 8)
    assert torch.allclose(local[:, 4], fmap[:, :, 1, 1])  # position (1, 1) of 3 x 3
    assert torch.allclose(g, fmap.mean(dim=(2, 3)))


def test_global_local_pair_passes_through():
    pair = (torch.randn(2, 8), torch.randn(2, 5, 8))
    assert split_views(pair) == pair


def test_neck_projects_both_views_with_the_same_mlp():
    neck = DualViewEmbeddingNeck(in_channels=8, out_channels=4, hidden_channels=6)
    tokens = torch.randn(2, 1 + 16, 8)
    g, local = neck((tokens, ))
    assert g.shape == (2, 4) and local.shape == (2, 16, 4)
    assert torch.allclose(local[:, 3], neck.embed(tokens[:, 4]))
    assert torch.allclose(g, neck.embed(tokens[:, 0]))


def test_neck_errors_name_the_problem():
    with pytest.raises(ValueError, match='in_channels'):
        DualViewEmbeddingNeck()
    with pytest.raises(ValueError, match='width 6'):
        DualViewEmbeddingNeck(in_channels=8, out_channels=4)((torch.randn(2, 3, 6), ))
    with pytest.raises(ValueError, match='ViT tokens'):
        split_views((torch.randn(2, 8), ))


def test_residual_neck_starts_from_the_student_embedding_and_learns():
    neck = DualViewEmbeddingNeck(in_channels=8, out_channels=8, residual=True)
    neck.init_weights()
    global_feat, local_feat = torch.randn(2, 8), torch.randn(2, 5, 8)
    out_global, out_local = neck((global_feat, local_feat))
    assert torch.equal(out_global, global_feat) and torch.equal(out_local, local_feat)
    out_global.sum().backward()
    assert neck.fc2.weight.grad is not None and neck.fc2.weight.grad.abs().sum() > 0
    with pytest.raises(ValueError, match='in_channels == out_channels'):
        DualViewEmbeddingNeck(in_channels=8, out_channels=4, residual=True)
