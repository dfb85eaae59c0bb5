"""LTML's two branches on a shared ResNet trunk (Guo and Wang, CVPR 2021)."""
import copy
from typing import Dict, List, Optional, Tuple

import torch
from mmengine.runner.checkpoint import _load_checkpoint_with_prefix
from mmpretrain.models.heads import MultiLabelClsHead
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample
from torch import nn

from ..losses.collaborative_loss import collaborative_loss
from .clip_prompt_head import labels_to_targets


@MODELS.register_module()
class LTMLHead(MultiLabelClsHead):
    r"""Two branches, each a copy of the ResNet's last stage + global average pooling +
    a linear classifier, on the shared trunk's features (the backbone, built with one
    stage less). Branch ``u`` learns from uniform sampling, branch ``r`` from
    re-balanced sampling (:class:`UniformClassAwarePairSampler`: each training batch is
    ``B`` uniform images, then ``B`` class-aware ones); :func:`collaborative_loss` adds
    the cross-branch logit consistency. At test time the two branches' sigmoid
    probabilities are averaged.

    Args:
        num_classes: ``C``.
        in_channels: channels of the last stage's output (2048 for ResNet-50).
        branch_backbone: config of the full ResNet (all stages) whose last stage each
            branch copies, e.g. ``dict(type='ResNet', depth=50)``; only its last
            stage is kept.
        branch_checkpoint: ImageNet weights for the branches (a torchvision ResNet
            checkpoint); its ``<stage>.*`` entries (``layer4.*``) load into both at
            ``init_weights``. ``None``: both start from one random init.
        consistency_weight: :math:`\lambda` of :func:`collaborative_loss`.
        loss: classification loss ``(logits, targets)``; BCE (mean over ``B x C``,
            no ``avg_factor``) by default. Each branch has its own copy (a loss with
            parameters, such as ``LogitCompensatedBCELoss``, learns them per branch:
            ``loss_module`` for ``u``, ``loss_module_r`` for ``r``).
    """

    def __init__(self,
                 num_classes: int,
                 in_channels: int,
                 branch_backbone: dict,
                 branch_checkpoint: Optional[str] = None,
                 consistency_weight: float = 1.0,
                 loss: dict = dict(type='CrossEntropyLoss', use_sigmoid=True),
                 thr: Optional[float] = None,
                 topk: Optional[int] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(loss=loss, thr=thr, topk=topk, init_cfg=init_cfg)
        if consistency_weight < 0:
            raise ValueError(f'consistency_weight must be >= 0, got {consistency_weight}')
        full = MODELS.build(dict(branch_backbone, init_cfg=None))
        if not hasattr(full, 'res_layers'):
            raise TypeError(f'branch_backbone must be a ResNet-style backbone with '
                            f"res_layers, got {branch_backbone.get('type')!r}")
        self.stage_name: str = full.res_layers[-1]  # e.g. 'layer4'
        self.branch_u = getattr(full, self.stage_name)
        self.branch_r = copy.deepcopy(self.branch_u)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc_u = nn.Linear(in_channels, num_classes)
        self.fc_r = nn.Linear(in_channels, num_classes)
        self.num_classes = num_classes
        self.branch_checkpoint = branch_checkpoint
        self.consistency_weight = consistency_weight
        self.loss_module_r = copy.deepcopy(self.loss_module)

    def init_weights(self) -> None:
        super().init_weights()
        if self.branch_checkpoint is not None:
            state = _load_checkpoint_with_prefix(f'{self.stage_name}.',
                                                 self.branch_checkpoint, map_location='cpu')
            for branch in (self.branch_u, self.branch_r):
                branch.load_state_dict(state, strict=True)

    def branch_logits(self, feats: Tuple[torch.Tensor, ...]) -> Tuple[torch.Tensor, torch.Tensor]:
        """``(z_u, z_r)``, each ``[N, C]``, of the trunk features ``feats[-1]``."""
        x = feats[-1]  # [N, C_in, H, W]
        z_u = self.fc_u(self.pool(self.branch_u(x)).flatten(1))
        z_r = self.fc_r(self.pool(self.branch_r(x)).flatten(1))
        return z_u, z_r

    def forward(self, feats: Tuple[torch.Tensor, ...]) -> torch.Tensor:
        """The test-time score as a logit ``[N, C]``: ``logit((s(z_u) + s(z_r)) / 2)``,
        so MMPretrain's ``predict`` (a sigmoid) scores the averaged probability."""
        return torch.logit(self.average_probability(feats), eps=1e-7)

    def average_probability(self, feats: Tuple[torch.Tensor, ...]) -> torch.Tensor:
        z_u, z_r = self.branch_logits(feats)
        return (torch.sigmoid(z_u) + torch.sigmoid(z_r)) / 2

    def loss(self, feats: Tuple[torch.Tensor, ...], data_samples: List[DataSample],
             **kwargs) -> Dict[str, torch.Tensor]:
        """:func:`collaborative_loss` on a batch of ``B`` uniform then ``B`` re-balanced
        images (``UniformClassAwarePairSampler``)."""
        num = feats[-1].shape[0]
        if num % 2:
            raise ValueError(f'LTMLHead trains on batches of B uniform + B re-balanced '
                             f'images (UniformClassAwarePairSampler, loader batch_size = '
                             f'2B), got an odd batch of {num}')
        if 'gt_score' in data_samples[0]:
            target = torch.stack([s.gt_score.float() for s in data_samples])
        else:
            target = labels_to_targets([s.gt_label for s in data_samples], self.num_classes)
        target = target.to(feats[-1].device)
        half = num // 2
        z_u, z_r = self.branch_logits(feats)  # each [2B, C]
        return collaborative_loss(
            z_u[:half], z_r[:half], z_r[half:], z_u[half:], target[:half], target[half:],
            lambda z, y: self.loss_module(z, y, **kwargs),
            lambda z, y: self.loss_module_r(z, y, **kwargs), self.consistency_weight)
