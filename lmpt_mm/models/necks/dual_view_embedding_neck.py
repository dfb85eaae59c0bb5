"""HP-DVAL's 2-layer embedding head: student tokens -> CLIP's joint space (two views)."""
from typing import Optional, Sequence, Tuple

import torch
from mmcv.cnn import build_activation_layer
from mmengine.model import BaseModule
from mmpretrain.registry import MODELS
from torch import nn


def split_views(feats: Sequence[torch.Tensor],
                num_extra_tokens: int = 1) -> Tuple[torch.Tensor, torch.Tensor]:
    """Global ``[B, C]`` and local ``[B, N, C]`` features from a backbone's output.

    Accepted backbone outputs (a tuple, as MMPretrain backbones return):

    * ViT tokens ``(..., [B, E + N, C])`` (MMPretrain ``VisionTransformer(out_type=
      'raw')``, last element used): global = the [CLS] token ``x[:, 0]``, local = the
      ``N`` patch tokens after the ``E = num_extra_tokens`` extra tokens.
    * a CNN feature map ``(..., [B, C, H, W])``: global = the mean over positions,
      local = the ``H * W`` positions.
    * a ready pair ``(global [B, C], local [B, N, C])``, e.g.
      ``CLIPImageEncoder(return_local=True)``; for CLIP's RN50 the local tokens are the
      last feature map's positions through the attention pool's value and output
      projections (:func:`lmpt_mm.models.backbones.resnet_global_and_local`).
    """
    feats = tuple(feats)
    if not feats:
        raise ValueError('the student backbone returned no feature')
    if len(feats) == 2 and feats[0].dim() == 2 and feats[1].dim() == 3:
        return feats[0], feats[1]
    x = feats[-1]
    if x.dim() == 3:
        if x.shape[1] <= num_extra_tokens:
            raise ValueError(f'ViT output [B, T, C] = {tuple(x.shape)} has no patch token '
                             f'after {num_extra_tokens} extra token(s)')
        return x[:, 0], x[:, num_extra_tokens:]  # [B, C], [B, N, C]
    if x.dim() == 4:
        local = x.flatten(2).transpose(1, 2)  # [B, C, H, W] -> [B, HW, C]
        return local.mean(dim=1), local
    raise ValueError('the student backbone must return ViT tokens [B, T, C] (e.g. '
                     "VisionTransformer(out_type='raw')), a feature map [B, C, H, W] or "
                     f'a (global, local) pair; got shapes {[tuple(f.shape) for f in feats]}')


@MODELS.register_module()
class DualViewEmbeddingNeck(BaseModule):
    """Project a student backbone's tokens into CLIP's joint space (HP-DVAL stage 1).

    A 2-layer MLP ``Linear(C, H) -> act -> Linear(H, D)``, shared by both views, is
    applied token-wise: to the global feature (the [CLS] token, giving ``f_cls``) and
    to every local token (giving ``f_j``). The output ``(global [B, D], local
    [B, N, D])`` has the layout of ``CLIPImageEncoder(return_local=True)``, so the
    dual-view heads score a trained student and CLIP itself alike. See
    :func:`split_views` for the accepted backbone outputs.

    ``in_channels`` (student width ``C``) and ``out_channels`` (joint-space width
    ``D``) may be left ``None`` in a config: :class:`HPDVALClassifier` fills them from
    the backbone and the head.

    Args:
        in_channels: student feature width ``C``.
        out_channels: CLIP joint-space width ``D``.
        hidden_channels: MLP hidden width ``H``; ``None`` = ``in_channels``.
        act_cfg: activation between the layers.
        num_extra_tokens: tokens before the patch tokens in a ViT output ([CLS]: 1).
        residual: ``x + fc2(act(fc1(x)))`` with ``fc2`` zero-initialised, for a student
            already in the joint space (e.g. a CLIP image encoder: the offline world):
            training starts from the student's own embedding instead of a random
            projection. Needs ``in_channels == out_channels``.
    """

    def __init__(self,
                 in_channels: Optional[int] = None,
                 out_channels: Optional[int] = None,
                 hidden_channels: Optional[int] = None,
                 act_cfg: dict = dict(type='GELU'),
                 num_extra_tokens: int = 1,
                 residual: bool = False,
                 init_cfg: Optional[dict] = dict(type='TruncNormal', layer='Linear',
                                                 std=0.02, bias=0.0)) -> None:
        super().__init__(init_cfg=init_cfg)
        if in_channels is None or out_channels is None:
            raise ValueError('DualViewEmbeddingNeck needs in_channels (student width) and '
                             'out_channels (CLIP joint-space width); inside '
                             'HPDVALClassifier they are filled in from the backbone and '
                             'the head')
        hidden_channels = hidden_channels or in_channels
        self.in_channels, self.out_channels = in_channels, out_channels
        self.num_extra_tokens = num_extra_tokens
        self.fc1 = nn.Linear(in_channels, hidden_channels)
        self.act = build_activation_layer(act_cfg)
        self.fc2 = nn.Linear(hidden_channels, out_channels)
        if residual and in_channels != out_channels:
            raise ValueError(f'residual=True needs in_channels == out_channels, got '
                             f'{in_channels} and {out_channels}')
        self.residual = residual

    def init_weights(self) -> None:
        super().init_weights()
        if self.residual:
            nn.init.zeros_(self.fc2.weight)
            nn.init.zeros_(self.fc2.bias)

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """``[..., C] -> [..., D]``."""
        out = self.fc2(self.act(self.fc1(x)))
        return x + out if self.residual else out

    def forward(self, feats: Sequence[torch.Tensor]) -> Tuple[torch.Tensor, torch.Tensor]:
        """``(f_cls [B, D], f_local [B, N, D])``."""
        global_feat, local_feat = split_views(feats, self.num_extra_tokens)
        if global_feat.shape[-1] != self.in_channels:
            raise ValueError(f'DualViewEmbeddingNeck(in_channels={self.in_channels}) got '
                             f'student features of width {global_feat.shape[-1]}')
        return self.embed(global_feat), self.embed(local_feat)
