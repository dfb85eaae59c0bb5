"""Shared base of the CLIP prompt heads: frozen text encoder, logit scale, scoring."""
import functools
from typing import Callable, Dict, Hashable, Iterator, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule
from mmpretrain.models.heads import MultiLabelClsHead
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample
from torch import nn

from ..clip.loader import load_clip
from ..clip.text_encoder import CLIPTextEncoder


def labels_to_targets(labels: Sequence[torch.Tensor], num_classes: int) -> torch.Tensor:
    """Binary targets ``[B, C]`` (float32) from ``B`` label-index tensors, in one scatter.

    Same result as stacking MMPretrain's per-sample ``label_to_onehot``, without a
    ``one_hot`` call per sample (the per-step cost that matters on cached features).
    """
    device = labels[0].device
    flat = torch.cat([l.reshape(-1) for l in labels]).long()
    if flat.numel() and (int(flat.min()) < 0 or int(flat.max()) >= num_classes):
        bad = sorted({i for i in flat.tolist() if not 0 <= i < num_classes})
        raise ValueError(f'label ids must be in [0, {num_classes}), got {bad}')
    lengths = torch.tensor([l.numel() for l in labels], device=device)
    rows = torch.repeat_interleave(torch.arange(len(labels), device=device), lengths)
    targets = torch.zeros(len(labels), num_classes, device=device)
    targets[rows, flat] = 1.0
    return targets


def cosine_logits(image_feats: torch.Tensor, text_feats: torch.Tensor,
                  logit_scale: torch.Tensor) -> torch.Tensor:
    """``z[k, i] = exp(logit_scale) * cos(f_k, g_i)``; ``[B, D] x [C, D] -> [B, C]``.

    Also works for local tokens: ``[B, N, D] x [C, D] -> [B, N, C]``.

    The logits are float32 whatever the input dtypes: under mixed precision
    (``torch.autocast``) the matrix product runs in half precision, but the
    normalisation and the logits that reach the losses stay fp32.
    """
    image_feats = F.normalize(image_feats.float(), dim=-1)
    text_feats = F.normalize(text_feats.float(), dim=-1)
    return logit_scale.float().exp() * (image_feats @ text_feats.t()).float()


def reuse_in_eval(prompt_features: Callable[..., torch.Tensor]) -> Callable[..., torch.Tensor]:
    """Wrap a head's ``prompt_features()`` so evaluation encodes the class prompts once.

    Outside training and autograd (``head.training`` False and ``torch.no_grad()``,
    as in MMEngine's val/test loops) the class text features only change when a
    parameter or buffer of the head changes, so the first batch's result is reused
    by the following ones. The cache is keyed on every parameter's and buffer's
    storage and in-place version counter (an optimizer step, ``load_state_dict`` or
    ``.to(device)`` all change it) and on the autocast state, and it is dropped by
    ``train(True)`` and ``load_state_dict``. Training always recomputes.
    """
    @functools.wraps(prompt_features)
    def wrapper(self: 'CLIPPromptHead') -> torch.Tensor:
        if self.training or torch.is_grad_enabled():
            return prompt_features(self)
        key = self._text_cache_key()
        cached = self.__dict__.get('_eval_text_cache')
        if cached is not None and cached[0] == key:
            return cached[1]
        feats = prompt_features(self)
        self.__dict__['_eval_text_cache'] = (key, feats)
        return feats

    wrapper._reuse_in_eval = True  # type: ignore[attr-defined]
    return wrapper


class CLIPPromptHead(MultiLabelClsHead):
    """Base of the CLIP prompt heads (not registered; subclass it).

    Holds the frozen CLIP text encoder ``g`` and CLIP's (frozen) logit scale. Heads
    follow MMPretrain's split: :meth:`forward` returns the logits ``[B, C]`` only,
    :meth:`loss` and :meth:`predict` add targets / scores.

    Scores for evaluation are ``sigmoid(logits)`` per class, not a softmax over the
    classes: the task is multi-label, classes are not mutually exclusive and an image
    may hold several (a softmax would make one class's score fall when another
    class is also present). AP ranks images per class, and the per-class sigmoid is
    monotone in that class's logit, so it keeps the logits' ranking exactly.

    Backbone features come as ``feats = (global [B, D],)`` or ``(global, local
    [B, N, D])`` (``CLIPImageEncoder(return_local=True)``).

    A subclass's ``prompt_features()`` (the ``C`` or ``2C`` class text features) is
    wrapped by :func:`reuse_in_eval`: an evaluation encodes the class prompts once,
    not once per batch. Logits are float32 (:func:`cosine_logits`), also under
    mixed precision.

    Args:
        arch, pretrained, quick_gelu: the CLIP model (see ``load_clip``); use the same
            values as the backbone so both towers come from one CLIP model.
        classes: class names in label order (e.g. the dataset's ``metainfo['classes']``).
        loss: classification loss config, or ``None`` for heads without training.
        text_encoder_cfg: extra ``CLIPTextEncoder`` args (``grad_checkpointing``,
            ``class_chunk_size``, ``truncate_to_eot``).
        thr, topk: positive-label rule for ``pred_label`` (MMPretrain's multi-label head).
    """

    # Key of the classification term in ``loss()``'s dict. A head that adds other terms
    # names it ``'loss_cls'``: MMEngine's ``parse_losses`` logs the total under ``'loss'``
    # and a term of that name would overwrite it in the log.
    cls_loss_key: str = 'loss'

    def __init__(self,
                 arch: str,
                 classes: Sequence[str],
                 pretrained: Optional[str] = None,
                 quick_gelu: Optional[bool] = None,
                 loss: Optional[Union[dict, nn.Module]] = None,
                 text_encoder_cfg: Optional[dict] = None,
                 thr: Optional[float] = None,
                 topk: Optional[int] = None,
                 init_cfg: Optional[dict] = None) -> None:
        # MultiLabelClsHead.__init__ always builds a loss; zero-shot heads have none.
        BaseModule.__init__(self, init_cfg=init_cfg)
        if classes is None or isinstance(classes, str) or len(classes) == 0:
            raise ValueError(f'{type(self).__name__} needs classes=[...] (the class names in '
                             "label order, e.g. the dataset's metainfo['classes']), got "
                             f'{classes!r}')
        self.classes: List[str] = [str(c) for c in classes]
        if loss is not None and not isinstance(loss, nn.Module):
            loss = MODELS.build(loss)
        self.loss_module = loss
        if thr is None and topk is None:
            thr = 0.5
        self.thr, self.topk = thr, topk
        clip_model = load_clip(arch, pretrained, quick_gelu=quick_gelu)
        self.arch = arch
        self.text_encoder = CLIPTextEncoder(clip_model, arch, **(text_encoder_cfg or {}))
        # CLIP's learned temperature, frozen (a buffer: never optimised).
        self.register_buffer('logit_scale', clip_model.logit_scale.detach().clone())

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        fn = cls.__dict__.get('prompt_features')
        if fn is not None and not getattr(fn, '_reuse_in_eval', False):
            cls.prompt_features = reuse_in_eval(fn)

    @property
    def num_classes(self) -> int:
        return len(self.classes)

    # -- evaluation-time reuse of the class text features ----------------------------
    def _text_cache_key(self) -> Hashable:
        state = [(t.data_ptr(), t._version, t.dtype, t.device)
                 for t in (*self.parameters(), *self.buffers())]
        autocast = tuple((d, torch.is_autocast_enabled(d)) for d in ('cpu', 'cuda'))
        return tuple(state), autocast

    def clear_text_feature_cache(self) -> None:
        """Forget the class text features kept for evaluation (see :func:`reuse_in_eval`)."""
        self.__dict__.pop('_eval_text_cache', None)

    def _load_from_state_dict(self, *args, **kwargs) -> None:
        self.clear_text_feature_cache()
        super()._load_from_state_dict(*args, **kwargs)

    # -- frozen parts ---------------------------------------------------------------
    def init_weights(self) -> None:
        """Parameters are set in ``__init__`` (CLIP weights, prompt init): keep them."""
        self._is_init = True

    def train(self, mode: bool = True) -> 'CLIPPromptHead':
        super().train(mode)
        self.text_encoder.eval()
        if mode:
            self.clear_text_feature_cache()
        return self

    # -- class statistics -----------------------------------------------------------
    def loss_modules(self) -> Iterator[nn.Module]:
        """The head's loss modules (``set_class_stats`` is forwarded to them)."""
        if self.loss_module is not None:
            yield self.loss_module

    def set_class_stats(self, class_freq: Sequence[float],
                        neg_class_freq: Sequence[float],
                        source: str = 'the train split') -> None:
        """Give train-split class counts to the losses that use them (runner hook entry)."""
        if len(class_freq) != self.num_classes or len(neg_class_freq) != self.num_classes:
            raise ValueError(f'class statistics have {len(class_freq)}/{len(neg_class_freq)} '
                             f'entries for a head with {self.num_classes} classes')
        for loss in self.loss_modules():
            if hasattr(loss, 'set_class_stats'):
                loss.set_class_stats(class_freq, neg_class_freq, source=source)

    # -- features -------------------------------------------------------------------
    def pre_logits(self, feats: Tuple[torch.Tensor, ...]) -> torch.Tensor:
        """The global image embedding ``feats[0]`` ``[B, D]``."""
        return feats[0]

    @staticmethod
    def local_tokens(feats: Tuple[torch.Tensor, ...], head_name: str) -> torch.Tensor:
        if len(feats) < 2 or feats[1].dim() != 3:
            raise ValueError(f'{head_name} needs local tokens: build the backbone with '
                             "CLIPImageEncoder(..., return_local=True) so it returns "
                             '(global [B, D], local [B, N, D])')
        return feats[1]

    def targets(self, data_samples: List[DataSample]) -> torch.Tensor:
        """Binary targets ``[B, C]`` from the data samples' ``gt_label`` / ``gt_score``."""
        if 'gt_score' in data_samples[0]:
            return torch.stack([s.gt_score.float() for s in data_samples])
        return labels_to_targets([s.gt_label for s in data_samples], self.num_classes)

    # -- MMPretrain API -------------------------------------------------------------
    def _get_predictions(self, cls_score: torch.Tensor,
                         data_samples: Optional[List[DataSample]]) -> List[DataSample]:
        """Sigmoid ``pred_score`` as in MMPretrain, plus the raw ``pred_logits``.

        CLIP logits reach 20-40, where a float32 sigmoid rounds to exactly 1.0 and
        ties images that the logits still rank; the evaluator ranks ``pred_logits``
        (same order as the sigmoid in exact arithmetic) when they are present.
        """
        data_samples = super()._get_predictions(cls_score, data_samples)
        for data_sample, logits in zip(data_samples, cls_score.detach().float()):
            data_sample.set_field(logits, 'pred_logits')
        return data_samples

    def loss(self, feats: Tuple[torch.Tensor, ...], data_samples: List[DataSample],
             **kwargs) -> Dict[str, torch.Tensor]:
        """``loss_from_inputs(feats, **loss_inputs(data_samples))``."""
        return self.loss_from_inputs(feats, **self.loss_inputs(data_samples), **kwargs)

    def loss_inputs(self, data_samples: List[DataSample]) -> Dict[str, torch.Tensor]:
        """What the loss needs from the data samples: ``dict(target=[B, C])``.

        Split from :meth:`loss_from_inputs` so the per-batch bookkeeping (targets,
        caption look-ups) can be timed apart from the step's compute
        (``tools/benchmark.py``: the irreducible cost of a cached step).
        """
        return dict(target=self.targets(data_samples))

    def loss_from_inputs(self, feats: Tuple[torch.Tensor, ...], target: torch.Tensor,
                         **kwargs) -> Dict[str, torch.Tensor]:
        """Logits ``[B, C]`` of ``feats`` and the loss against ``target`` ``[B, C]``."""
        cls_score = self(feats)
        # No avg_factor: each loss applies its own reduction (DB: mean over B*C).
        return {self.cls_loss_key: self.loss_module(cls_score, target.to(cls_score.device),
                                                    **kwargs)}

    def _get_loss(self, cls_score: torch.Tensor, data_samples: List[DataSample],
                  **kwargs) -> Dict[str, torch.Tensor]:
        target = self.targets(data_samples).to(cls_score.device)
        return {self.cls_loss_key: self.loss_module(cls_score, target, **kwargs)}
