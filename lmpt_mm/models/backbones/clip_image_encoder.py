"""CLIP's image tower as an MMPretrain backbone, with optional local tokens."""
from typing import Literal, Optional, Tuple

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule
from mmpretrain.registry import MODELS
from open_clip.modified_resnet import ModifiedResNet
from open_clip.transformer import VisionTransformer
from torch import nn

from ..clip.loader import copy_visual_tower, load_clip


def vit_global_and_local(visual: VisionTransformer,
                         x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    """Global embedding ``[B, D]`` and patch tokens ``[B, N, D]`` of an open_clip ViT.

    The patch tokens take the same path as the class token: ``ln_post`` then the
    projection ``proj`` into the joint space, so ``cos(token, text feature)`` is
    meaningful (the local view of DualCoOp / HP-DVAL).
    """
    if visual.attn_pool is not None:
        raise NotImplementedError('local tokens of attention-pooled (CoCa-style) ViTs are '
                                  'not supported')
    x = visual._embeds(x)  # [B, 1 + N, width]
    x = visual.transformer(x)  # [B, 1 + N, width]
    pooled, tokens = visual._pool(x)  # [B, width], [B, N, width]
    if visual.final_ln_after_pool:
        tokens = visual.ln_post(tokens)
    if visual.proj is not None:
        pooled = pooled @ visual.proj  # [B, D]
        tokens = tokens @ visual.proj  # [B, N, D]
    return pooled, tokens


ResNetRegions = Literal['positions', 'mean_and_positions']
RESNET_REGIONS = ('positions', 'mean_and_positions')
PosInterpolation = Optional[Literal['bicubic']]


def attention_pool_positions(pool: nn.Module, grid: Tuple[int, int],
                             interpolation: PosInterpolation = None) -> torch.Tensor:
    """The attention pool's positional embedding ``[1 + H*W, C]`` for an ``H x W`` map.

    At the pool's own grid it is the embedding itself. Otherwise, with
    ``interpolation='bicubic'``, the spatial rows (a square ``S x S`` grid) are resized
    bicubically (``align_corners=False``) to ``H x W`` and the mean token's row is kept:
    how the DualCoOp release feeds 448px images to RN50 (its ``clip/model.py``,
    ``AttentionConv.forward`` and ``build_model_conv_proj``). ``None`` refuses.
    """
    pos = pool.positional_embedding  # [1 + S*S, C]
    side = int(round((pos.shape[0] - 1) ** 0.5))
    height, width = grid
    if (height, width) == (side, side):
        return pos
    if interpolation is None:
        raise ValueError(f'feature map of {height}x{width} positions does not match the '
                         f'attention pool grid of {side}x{side}; feed images of the '
                         f"model's size, or set resnet_pos_interpolation='bicubic'")
    if interpolation != 'bicubic':
        raise ValueError("resnet_pos_interpolation must be None or 'bicubic', got "
                         f'{interpolation!r}')
    spatial = pos[1:].t().reshape(1, -1, side, side)  # [1, C, S, S]
    spatial = F.interpolate(spatial, size=(height, width), mode='bicubic',
                            align_corners=False)
    return torch.cat([pos[:1], spatial.reshape(pos.shape[1], -1).t()])  # [1 + HW, C]


def resnet_global_and_local(visual: ModifiedResNet,
                            x: torch.Tensor,
                            regions: ResNetRegions = 'positions',
                            pos_interpolation: PosInterpolation = None
                            ) -> Tuple[torch.Tensor, torch.Tensor]:
    """Global embedding ``[B, D]`` and region features ``[B, N, D]`` of CLIP's RN.

    The attention pool sees the sequence ``s = [mean_j x_j, x_1 .. x_HW] + pos``
    (the map's mean, then its ``HW`` positions, plus positional embeddings); the global
    embedding is its attention output for the first (mean) query. A region feature is
    ``c_proj(v_proj(s_j))``: the output the pool would give if it attended to ``s_j``
    alone, hence in the joint space (the dense-feature trick of DualCoOp / MaskCLIP).

    Args:
        visual: open_clip's ``ModifiedResNet``.
        x: images ``[B, 3, H, W]``.
        regions: ``'positions'``: the ``HW`` positions (``N = HW``);
            ``'mean_and_positions'``: the mean token first, then the positions
            (``N = 1 + HW``; 50 regions at RN50's 224px), as the DualCoOp release
            aggregates (its ``clip/model.py``, ``AttentionConv.forward``).
        pos_interpolation: see :func:`attention_pool_positions` (other input sizes).
    """
    if regions not in RESNET_REGIONS:
        raise ValueError(f'resnet_regions must be one of {RESNET_REGIONS}, got {regions!r}')
    x = visual.stem(x)
    x = visual.layer4(visual.layer3(visual.layer2(visual.layer1(x))))  # [B, C, H, W]
    pool = visual.attnpool
    pos = attention_pool_positions(pool, tuple(x.shape[-2:]), pos_interpolation)
    feat = x.flatten(2).transpose(1, 2)  # [B, HW, C]
    seq = torch.cat([feat.mean(dim=1, keepdim=True), feat], dim=1)  # [B, 1 + HW, C]
    seq = seq + pos.to(seq.dtype)
    seq_lnc = seq.transpose(0, 1)  # [1 + HW, B, C], the layout the attention call takes
    # the pool's own attention (open_clip's AttentionPool2d.forward), mean token as query
    pooled, _ = F.multi_head_attention_forward(
        query=seq_lnc[:1], key=seq_lnc, value=seq_lnc, embed_dim_to_check=seq.shape[-1],
        num_heads=pool.num_heads, q_proj_weight=pool.q_proj.weight,
        k_proj_weight=pool.k_proj.weight, v_proj_weight=pool.v_proj.weight,
        in_proj_weight=None,
        in_proj_bias=torch.cat([pool.q_proj.bias, pool.k_proj.bias, pool.v_proj.bias]),
        bias_k=None, bias_v=None, add_zero_attn=False, dropout_p=0.0,
        out_proj_weight=pool.c_proj.weight, out_proj_bias=pool.c_proj.bias,
        use_separate_proj_weight=True, training=pool.training, need_weights=False)
    if regions == 'positions':
        seq = seq[:, 1:]
    tokens = pool.c_proj(pool.v_proj(seq))  # [B, N, D]
    return pooled[0], tokens


@MODELS.register_module()
class CLIPImageEncoder(BaseModule):
    """Frozen CLIP image encoder ``f`` (an open_clip visual tower) as a backbone.

    ``forward(imgs)`` returns ``(global,)`` with the image embedding ``[B, D]`` in
    CLIP's joint space (not normalised), or ``(global, local)`` with
    ``return_local=True``, ``local`` ``[B, N, D]`` being the ViT patch tokens or the
    RN positions projected to the same space (see :func:`vit_global_and_local`,
    :func:`resnet_global_and_local`). Heads read ``feats[0]`` as the global embedding
    and ``feats[1]`` as the local tokens.

    Inputs are expected normalised with CLIP's statistics: put
    ``data_preprocessor=dict(type='ClsDataPreprocessor', mean=CLIP_MEAN_255,
    std=CLIP_STD_255, to_rgb=True)`` in the classifier (see ``lmpt_mm.models.clip``).

    Args:
        arch: open_clip model name.
        pretrained: ``None``, an open_clip tag or a local file (see ``load_clip``).
        quick_gelu: see ``load_clip``.
        frozen: no parameter requires grad, the forward runs without autograd and
            :meth:`train` keeps the tower in eval mode (no BatchNorm statistics drift
            in RN50). ``frozen=False`` trains the whole tower.
        return_local: also return the local tokens.
        resnet_regions: CLIP ResNets' region set, ``'positions'`` (the ``HW`` map
            positions) or ``'mean_and_positions'`` (the attention pool's mean token
            too, as the DualCoOp release); see :func:`resnet_global_and_local`. ViTs
            take only ``'positions'`` (their patch tokens).
        resnet_pos_interpolation: ``None`` (inputs must give the pool's grid, 7x7 for
            RN50 at 224px) or ``'bicubic'`` (the pool's positional embedding resized to
            the map, :func:`attention_pool_positions`).
    """

    def __init__(self,
                 arch: str,
                 pretrained: Optional[str] = None,
                 quick_gelu: Optional[bool] = None,
                 frozen: bool = True,
                 return_local: bool = False,
                 resnet_regions: ResNetRegions = 'positions',
                 resnet_pos_interpolation: PosInterpolation = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        clip_model = load_clip(arch, pretrained, quick_gelu=quick_gelu)
        self.visual: nn.Module = copy_visual_tower(clip_model)
        self.arch = arch
        self.frozen = frozen
        self.return_local = return_local
        self.embed_dim: int = self.visual.output_dim  # D, the joint-space width
        if resnet_regions not in RESNET_REGIONS:
            raise ValueError(f'resnet_regions must be one of {RESNET_REGIONS}, got '
                             f'{resnet_regions!r}')
        if resnet_pos_interpolation not in (None, 'bicubic'):
            raise ValueError("resnet_pos_interpolation must be None or 'bicubic', got "
                             f'{resnet_pos_interpolation!r}')
        is_resnet = isinstance(self.visual, ModifiedResNet)
        if not is_resnet and (resnet_regions != 'positions'
                              or resnet_pos_interpolation is not None):
            raise ValueError(f"resnet_regions / resnet_pos_interpolation apply to CLIP "
                             f"ResNets; '{arch}' is a {type(self.visual).__name__}: leave "
                             "them at 'positions' / None")
        self.resnet_regions = resnet_regions
        self.resnet_pos_interpolation = resnet_pos_interpolation
        if not frozen:
            for param in self.visual.parameters():
                param.requires_grad_(True)

    def init_weights(self) -> None:
        """Keep CLIP's weights: nothing to initialise (init_cfg is not applied)."""
        self._is_init = True

    def train(self, mode: bool = True) -> 'CLIPImageEncoder':
        super().train(mode)
        if self.frozen:
            self.visual.eval()
        return self

    def forward_global_local(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """``(global [B, D], local [B, N, D])`` for a batch of images ``[B, 3, H, W]``."""
        if isinstance(self.visual, VisionTransformer):
            return vit_global_and_local(self.visual, x)
        if isinstance(self.visual, ModifiedResNet):
            return resnet_global_and_local(self.visual, x, self.resnet_regions,
                                           self.resnet_pos_interpolation)
        raise NotImplementedError(f'local tokens for {type(self.visual).__name__} '
                                  f"('{self.arch}') are not implemented")

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        with torch.set_grad_enabled(torch.is_grad_enabled() and not self.frozen):
            if self.return_local:
                return self.forward_global_local(x)
            if self.resnet_pos_interpolation is not None:  # other sizes: our pool path
                return (self.forward_global_local(x)[0], )
            return (self.visual(x),)
