"""CLIP's image tower as an MMPretrain backbone, with optional local tokens."""
from typing import Optional, Tuple

import torch
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


def resnet_global_and_local(visual: ModifiedResNet,
                            x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    """Global embedding ``[B, D]`` and per-position features ``[B, HW, D]`` of CLIP's RN.

    The global embedding is the attention pool's output. A position ``j`` of the last
    feature map (plus its positional embedding, as the pool sees it) goes through the
    pool's value and output projections, ``c_proj(v_proj(x_j + pos_j))``: the output
    the attention pool would give if it attended to ``j`` alone, hence in the joint
    space (the dense-feature trick of DualCoOp / MaskCLIP).
    """
    x = visual.stem(x)
    x = visual.layer4(visual.layer3(visual.layer2(visual.layer1(x))))  # [B, C, H, W]
    pooled = visual.attnpool(x)  # [B, D]
    pool = visual.attnpool
    feat = x.flatten(2).transpose(1, 2)  # [B, HW, C]
    pos = pool.positional_embedding[1:]  # [HW, C]
    if pos.shape[0] != feat.shape[1]:
        raise ValueError(f'feature map of {feat.shape[1]} positions does not match the '
                         f'attention pool grid of {pos.shape[0]}; feed images of the '
                         f'model\'s size {visual.image_size}')
    tokens = pool.c_proj(pool.v_proj(feat + pos.to(feat.dtype)))  # [B, HW, D]
    return pooled, tokens


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
    """

    def __init__(self,
                 arch: str,
                 pretrained: Optional[str] = None,
                 quick_gelu: Optional[bool] = None,
                 frozen: bool = True,
                 return_local: bool = False,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        clip_model = load_clip(arch, pretrained, quick_gelu=quick_gelu)
        self.visual: nn.Module = copy_visual_tower(clip_model)
        self.arch = arch
        self.frozen = frozen
        self.return_local = return_local
        self.embed_dim: int = self.visual.output_dim  # D, the joint-space width
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
            return resnet_global_and_local(self.visual, x)
        raise NotImplementedError(f'local tokens for {type(self.visual).__name__} '
                                  f"('{self.arch}') are not implemented")

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        with torch.set_grad_enabled(torch.is_grad_enabled() and not self.frozen):
            if self.return_local:
                return self.forward_global_local(x)
            return (self.visual(x),)
