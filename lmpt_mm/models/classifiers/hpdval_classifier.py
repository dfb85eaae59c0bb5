"""HP-DVAL's classifier: student backbone + embedding neck + dual-view head (+ teacher)."""
from typing import Dict, List, Optional, Sequence, Union

import torch
import torch.nn.functional as F
from mmpretrain.models.classifiers import ImageClassifier
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample
from torch import nn

from ..clip.constants import CLIP_MEAN_255, CLIP_STD_255
from ..clip.freeze import freeze_module
from ..losses.feature_l1 import feature_l1_loss

# Attributes giving a backbone's output width, by backbone family.
_WIDTH_ATTRS = ('embed_dims', 'embed_dim', 'feat_dim')


def renormalize(x: torch.Tensor, src_mean: torch.Tensor, src_std: torch.Tensor,
                dst_mean: torch.Tensor, dst_std: torch.Tensor) -> torch.Tensor:
    """Images normalised with ``(src_mean, src_std)`` -> normalised with ``(dst_...)``.

    ``x`` ``[B, 3, H, W]``; statistics broadcast as ``[3, 1, 1]``:
    ``((x * src_std + src_mean) - dst_mean) / dst_std``.
    """
    return (x * src_std + src_mean - dst_mean) / dst_std


def _as_stat(values: Sequence[float], device, dtype) -> torch.Tensor:
    return torch.as_tensor(values, device=device, dtype=dtype).view(-1, 1, 1)


@MODELS.register_module()
class HPDVALClassifier(ImageClassifier):
    """Student image encoder in CLIP's joint space, scored by a dual-view CLIP head.

    ``backbone`` (any MMPretrain backbone; an ImageNet ViT-B/16 in the paper) ->
    ``neck`` (:class:`DualViewEmbeddingNeck`, 2-layer embedding head: ``(f_cls [B, D],
    f_local [B, N, D])``) -> ``head`` (:class:`DVALHead` in stage 1,
    :class:`HPTHead` in stage 2 and in the joint single-stage ablation).

    Stage 1 (DVAL) sets ``teacher`` (a frozen ``CLIPImageEncoder``): the training loss
    adds ``loss_kd = kd_weight * L_kd`` with ``L_kd = mean_{k,d} |f_CLIP(x_k)[d] -
    f_cls(x_k)[d]|`` (raw joint-space embeddings, mean over the ``B x D`` elements:
    :func:`feature_l1_loss`). The teacher runs under ``torch.no_grad`` on the same
    images, re-normalised from the data preprocessor's statistics to
    ``teacher_mean``/``teacher_std`` (CLIP's) and resized to the teacher's input size
    when they differ. The teacher's weights are never written into checkpoints (they come from
    its own ``pretrained`` file); loading a checkpoint without them is silent.

    Stage 2 (HPT) sets ``freeze_student=True``: backbone and neck are frozen
    (``requires_grad=False``, kept in eval mode by :meth:`train`) and loaded from the
    stage-1 checkpoint with the config's ``load_from`` - the module names
    ``backbone.*`` / ``neck.*`` are the same in both stages.

    ``neck`` may leave ``in_channels`` / ``out_channels`` as ``None``: they are
    filled from the backbone's width (``embed_dims``/``embed_dim``/``feat_dim``) and
    the head's joint-space width. ``neck=None``: no embedding head, the backbone's
    output is the ``(global, local)`` pair itself - the HP-DVAL code's student, CLIP's
    own visual tower (``CLIPImageEncoder(frozen=False, return_local=True)``: the
    [CLS] and patch tokens through ``ln_post`` and ``proj``).

    Args:
        backbone, neck, head: configs (or modules); ``neck`` may be ``None``.
        teacher: frozen teacher config (``CLIPImageEncoder``), or ``None`` (no KD).
        kd_weight: weight of ``L_kd``.
        kd_normalize: compare L2-normalised embeddings in ``L_kd``.
        freeze_student: freeze backbone and neck (stage 2).
        teacher_mean, teacher_std: the teacher's input normalisation (0-255 scale).
        pretrained, train_cfg, data_preprocessor, init_cfg: see ``ImageClassifier``.
    """

    def __init__(self,
                 backbone: Union[dict, nn.Module],
                 head: Union[dict, nn.Module],
                 neck: Optional[Union[dict, nn.Module]] = dict(type='DualViewEmbeddingNeck'),
                 teacher: Optional[Union[dict, nn.Module]] = None,
                 kd_weight: float = 1.0,
                 kd_normalize: bool = False,
                 freeze_student: bool = False,
                 teacher_mean: Sequence[float] = CLIP_MEAN_255,
                 teacher_std: Sequence[float] = CLIP_STD_255,
                 pretrained: Optional[str] = None,
                 train_cfg: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        if kd_weight < 0:
            raise ValueError(f'kd_weight must be >= 0, got {kd_weight}')
        if teacher is not None and freeze_student:
            raise ValueError('a teacher with freeze_student=True distils into nothing: '
                             'drop `teacher` for stage 2 (HPT), or train the student '
                             '(freeze_student=False) for stage 1 / joint training')
        backbone = backbone if isinstance(backbone, nn.Module) else MODELS.build(backbone)
        head = head if isinstance(head, nn.Module) else MODELS.build(head)
        if neck is not None and not isinstance(neck, nn.Module):
            neck = MODELS.build(self._complete_neck(dict(neck), backbone, head))
        super().__init__(backbone=backbone, neck=neck, head=head, pretrained=pretrained,
                         train_cfg=train_cfg, data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        self.kd_weight = float(kd_weight)
        self.kd_normalize = kd_normalize
        self.freeze_student = freeze_student
        self.teacher_mean, self.teacher_std = tuple(teacher_mean), tuple(teacher_std)
        self.teacher = None
        if teacher is not None:
            self.teacher = teacher if isinstance(teacher, nn.Module) else MODELS.build(
                teacher)
            self._check_teacher(head)
        if freeze_student:
            freeze_module(self.backbone)
            if self.neck is not None:
                freeze_module(self.neck)
        self._register_state_dict_hook(_drop_teacher_state)
        self._register_load_state_dict_pre_hook(_fill_teacher_state, with_module=True)

    # -- construction -----------------------------------------------------------------
    @staticmethod
    def _complete_neck(cfg: dict, backbone: nn.Module, head: nn.Module) -> dict:
        if cfg.get('in_channels') is None:
            width = next((getattr(backbone, a) for a in _WIDTH_ATTRS
                          if isinstance(getattr(backbone, a, None), int)), None)
            if width is None:
                raise ValueError(f'cannot tell the width of backbone {type(backbone).__name__}'
                                 '; set neck.in_channels in the config')
            cfg['in_channels'] = width
        if cfg.get('out_channels') is None:
            if not hasattr(head, 'embed_dim'):
                raise ValueError(f'head {type(head).__name__} has no embed_dim; set '
                                 'neck.out_channels to the CLIP joint-space width')
            cfg['out_channels'] = head.embed_dim
        elif hasattr(head, 'embed_dim') and cfg['out_channels'] != head.embed_dim:
            raise ValueError(f"neck.out_channels={cfg['out_channels']} differs from the "
                             f"CLIP joint-space width {head.embed_dim} of the head's model")
        return cfg

    def _check_teacher(self, head: nn.Module) -> None:
        trainable = [n for n, p in self.teacher.named_parameters() if p.requires_grad]
        if trainable:
            raise ValueError(f'the teacher must be frozen (CLIPImageEncoder(frozen=True)); '
                             f'trainable: {trainable[:3]}...')
        dims = getattr(self.teacher, 'embed_dim', None), getattr(head, 'embed_dim', None)
        if None not in dims and dims[0] != dims[1]:
            raise ValueError(f'teacher embedding width {dims[0]} differs from the head\'s '
                             f'joint-space width {dims[1]}: use the same CLIP model')

    # -- modes ------------------------------------------------------------------------
    def train(self, mode: bool = True) -> 'HPDVALClassifier':
        super().train(mode)
        if self.freeze_student:
            self.backbone.eval()
            if self.neck is not None:
                self.neck.eval()
        if self.teacher is not None:
            self.teacher.eval()
        return self

    # -- distillation -----------------------------------------------------------------
    def teacher_inputs(self, inputs: torch.Tensor) -> torch.Tensor:
        """The batch as the teacher expects it: its normalisation and input size."""
        pre = self.data_preprocessor
        if getattr(pre, '_enable_normalize', False):
            src_mean, src_std = pre.mean, pre.std  # [3, 1, 1]
        else:
            src_mean, src_std = inputs.new_zeros(1), inputs.new_ones(1)
        x = renormalize(inputs, src_mean, src_std,
                        _as_stat(self.teacher_mean, inputs.device, inputs.dtype),
                        _as_stat(self.teacher_std, inputs.device, inputs.dtype))
        size = getattr(getattr(self.teacher, 'visual', None), 'image_size', None)
        if size is not None:
            size = tuple(size) if isinstance(size, (tuple, list)) else (size, size)
            if tuple(x.shape[-2:]) != size:
                x = F.interpolate(x, size=size, mode='bicubic', align_corners=False)
        return x

    def teacher_features(self, inputs: torch.Tensor) -> torch.Tensor:
        """``f_CLIP(x)`` ``[B, D]`` of the frozen teacher, without gradients."""
        if self.teacher is None:
            raise RuntimeError('HPDVALClassifier has no teacher (teacher=None): no '
                               'teacher features to distil from')
        with torch.no_grad():
            return self.teacher(self.teacher_inputs(inputs))[0]

    def loss(self, inputs: torch.Tensor,
             data_samples: List[DataSample]) -> Dict[str, torch.Tensor]:
        """Head losses (``loss_cls``, ``loss_sc`` for HPT) plus ``loss_kd`` with a teacher."""
        feats = self.extract_feat(inputs)
        losses = self.head.loss(feats, data_samples)
        if self.teacher is not None and self.kd_weight > 0:
            target = self.teacher_features(inputs)
            losses['loss_kd'] = self.kd_weight * feature_l1_loss(
                feats[0], target, normalize=self.kd_normalize)
        return losses


def _drop_teacher_state(module: HPDVALClassifier, state_dict: dict, prefix: str,
                        local_metadata) -> None:
    """State-dict hook: the frozen teacher is not saved (rebuilt from its own file)."""
    for key in [k for k in state_dict if k.startswith(prefix + 'teacher.')]:
        del state_dict[key]


def _fill_teacher_state(module: HPDVALClassifier, state_dict: dict, prefix: str,
                        *args) -> None:
    """Load pre-hook: checkpoints hold no teacher; keep the current teacher weights
    (instead of reporting them as missing keys)."""
    if module.teacher is None:
        return
    for key, value in module.teacher.state_dict(prefix=prefix + 'teacher.').items():
        state_dict.setdefault(key, value)
