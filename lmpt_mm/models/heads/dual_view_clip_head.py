"""Shared base of HP-DVAL's heads: hand-crafted prompt features and dual-view logits."""
from numbers import Real
from typing import Literal, Optional, Tuple, Union

import torch
import torch.nn.functional as F
from torch import nn

from ..prompt.templates import SINGLE_TEMPLATE
from .clip_prompt_head import CLIPPromptHead
from .dual_view_scores import AlphaWeights, dual_view_scores, local_view_weight

ScoreScale = Union[Literal['clip'], float]
Similarity = Literal['cosine', 'dot']


class DualViewCLIPHead(CLIPPromptHead):
    """Base of :class:`DVALHead` and :class:`HPTHead` (not registered).

    Logits ``z[k, i] = tau * s[k, i]`` with the fused dual-view score
    ``s = alpha * cos(P^G_i, f_cls) + (1 - alpha) * topk-mean_j cos(P^L_i, f_j)``
    and the scale ``tau`` at which the scores enter the loss (``score_scale``): the
    paper's DB/DB* take the cosine score ``s_i`` itself (``tau = 1``). The scale
    decides what DB* does: at ``tau = 1`` it shrinks the positive gradients of the
    rarer classes by ``w_i = n_i / max n``; at CLIP's frozen ``exp(logit_scale)``
    (100 for OpenAI's weights) DB's positive terms saturate at typical cosines
    (~0.3) while DB*'s scaled ones do not, so DB* instead revives the rare classes'
    positives (:func:`dual_view_scores`); the evaluation score is the per-class
    ``sigmoid(z)`` (:class:`CLIPPromptHead`). Image features come as
    ``feats = (f_cls [B, D], f_local [B, N, D])`` - from
    :class:`DualViewEmbeddingNeck` on a student, or ``CLIPImageEncoder(
    return_local=True)``. With ``alpha=1`` (the "w/o local view" ablation) the local
    tokens are not used and may be absent.

    The hand-crafted prompt features ``P_H`` (``template`` with each class name,
    default ``'a photo of a {}.'``) go through the frozen text encoder once, on the
    first use, and are kept with the head (never in checkpoints: they derive from the
    class names and the text tower) - unless the text encoder trains
    (``train_text_encoder``), when they are recomputed, with gradient, at every call.

    The HP-DVAL code's score (``models/prompt_model.py`` 298-348 of its release) is
    this head with ``similarity='dot'`` (raw dot products of the unnormalised image
    and text features), ``view_log_temperature=3.0`` (per view ``exp(t_G)`` /
    ``exp(t_L)``, learned, starting at ``exp(3)``), ``normalize_over_classes=True``
    (``norm_pred``), ``alpha_weights='local'`` and ``score_scale=1.0``:
    ``s = alpha * l / ||l|| + (1 - alpha) * g / ||g||`` with
    ``g = exp(t_G) f_cls . P_G`` and ``l = topk-mean_j exp(t_L) f_j . P_L``; the
    temperatures cancel under the normalisation.

    Args:
        loss, **kwargs (arch, classes, pretrained, quick_gelu, text_encoder_cfg, thr, topk): see
            :class:`CLIPPromptHead` (``topk`` is MMPretrain's positive-label rule).
        alpha: in ``[0, 1]``, the weight of the view ``alpha_weights`` names (the
            global one by default).
        local_topk: ``k``, local tokens averaged per class (clipped to the number of
            tokens, warned once).
        template: the hand-crafted prompt, one ``{}`` for the class name.
        score_scale: ``tau``: a number ``> 0`` (fixed; ``1.0`` = raw cosine, the
            paper's) or ``'clip'`` (CLIP's frozen ``exp(logit_scale)``).
        similarity: ``'cosine'`` (unit image and text features, the paper) or
            ``'dot'`` (raw dot products, the code).
        normalize_over_classes: L2-normalise each view's ``[B, C]`` scores over the
            classes, per image, before fusing (:func:`dual_view_scores`).
        alpha_weights: ``'global'`` (the paper: ``alpha`` weights the global view)
            or ``'local'`` (the code).
        view_log_temperature: ``None`` (no per-view temperature) or the initial
            ``t`` of two learned per-view temperatures ``exp(t_G)``, ``exp(t_L)``
            multiplying the similarities before the top-k (parameters
            ``global_log_temperature`` / ``local_log_temperature``).
        train_text_encoder: train CLIP's text tower (all but the token embedding
            table, which the class prompts' fixed tokens never reach with a
            gradient in the code either); stage 1 of the HP-DVAL code does.
    """

    # HP-DVAL adds loss_sc / loss_kd beside the classification term.
    cls_loss_key = 'loss_cls'

    def __init__(self,
                 alpha: float = 0.4,
                 local_topk: int = 32,
                 template: str = SINGLE_TEMPLATE,
                 score_scale: ScoreScale = 'clip',
                 similarity: Similarity = 'cosine',
                 normalize_over_classes: bool = False,
                 alpha_weights: AlphaWeights = 'global',
                 view_log_temperature: Optional[float] = None,
                 train_text_encoder: bool = False,
                 loss: Optional[dict] = None,
                 **kwargs) -> None:
        super().__init__(loss=loss, **kwargs)
        if not 0.0 <= alpha <= 1.0:
            raise ValueError(f'alpha must be in [0, 1], got {alpha}')
        if similarity not in ('cosine', 'dot'):
            raise ValueError(f"similarity must be 'cosine' or 'dot', got {similarity!r}")
        if alpha_weights not in ('global', 'local'):
            raise ValueError("alpha_weights must be 'global' or 'local', got "
                             f'{alpha_weights!r}')
        self.similarity = similarity
        self.normalize_over_classes = bool(normalize_over_classes)
        self.alpha_weights = alpha_weights
        self.train_text_encoder = bool(train_text_encoder)
        if self.train_text_encoder:
            for name, param in self.text_encoder.named_parameters():
                if not name.startswith('token_embedding'):
                    param.requires_grad_(True)
        self.global_log_temperature = self.local_log_temperature = None
        if view_log_temperature is not None:
            self.global_log_temperature = nn.Parameter(
                torch.tensor(float(view_log_temperature)))
            self.local_log_temperature = nn.Parameter(
                torch.tensor(float(view_log_temperature)))
        if local_topk < 1:
            raise ValueError(f'local_topk must be >= 1, got {local_topk}')
        if not isinstance(template, str) or template.count('{}') != 1:
            raise ValueError(f"template needs exactly one '{{}}' for the class name, got "
                             f'{template!r}')
        self.alpha = float(alpha)
        self.local_topk = int(local_topk)
        self.template = template
        if score_scale == 'clip':
            self.score_scale = score_scale
        elif isinstance(score_scale, Real) and not isinstance(score_scale, bool) \
                and score_scale > 0:
            self.score_scale = float(score_scale)
        else:
            raise ValueError("score_scale must be 'clip' or a number > 0, got "
                             f'{score_scale!r}')
        # P_H [C, D], computed on first use. Not a buffer: a module's buffer list must not
        # change after construction (MMEngine's EMA pairs the buffers of the model and
        # its averaged copy by position).
        self._hand_crafted_cache: Optional[torch.Tensor] = None

    @property
    def embed_dim(self) -> int:
        """Width ``D`` of CLIP's joint space (the text features' width)."""
        proj = self.text_encoder.text_projection
        return proj.out_features if isinstance(proj, nn.Linear) else proj.shape[1]

    @property
    def uses_local(self) -> bool:
        return local_view_weight(self.alpha, self.alpha_weights) > 0.0

    def hand_crafted_prompts(self) -> list:
        return [self.template.format(c.replace('_', ' ')) for c in self.classes]

    def hand_crafted_features(self) -> torch.Tensor:
        """``P_H`` ``[C, D]``: raw (not normalised) text features of the fixed prompts."""
        if self.train_text_encoder:
            tokens = self.text_encoder.tokenize(self.hand_crafted_prompts())  # [C, L]
            return self.text_encoder.encode_tokens(tokens).float()
        device = self.logit_scale.device
        if self._hand_crafted_cache is None or self._hand_crafted_cache.device != device:
            with torch.no_grad():
                tokens = self.text_encoder.tokenize(self.hand_crafted_prompts())  # [C, L]
                self._hand_crafted_cache = self.text_encoder.encode_tokens(
                    tokens).float()
        return self._hand_crafted_cache

    def _unit(self, x: torch.Tensor) -> torch.Tensor:
        x = x.float()
        return F.normalize(x, dim=-1) if self.similarity == 'cosine' else x

    def dual_view_logits(self, feats: Tuple[torch.Tensor, ...], global_text: torch.Tensor,
                         local_text: Optional[torch.Tensor]) -> torch.Tensor:
        """Logits ``[B, C]`` from image ``feats`` and class text features ``[C, D]``."""
        text_g = self._unit(global_text)  # [C, D]
        global_sim = self._unit(self.pre_logits(feats)) @ text_g.t()
        # [B, D] x [D, C] -> [B, C]
        if self.global_log_temperature is not None:
            global_sim = self.global_log_temperature.exp() * global_sim
        local_sim = None
        if self.uses_local:
            local = self._unit(self.local_tokens(feats, type(self).__name__))  # [B, N, D]
            text_l = self._unit(local_text)  # [C, D]
            local_sim = torch.einsum('bnd,cd->bcn', local, text_l)  # [B, C, N]
            if self.local_log_temperature is not None:
                local_sim = self.local_log_temperature.exp() * local_sim
        scores = dual_view_scores(global_sim, local_sim, self.alpha, self.local_topk,
                                  self.alpha_weights, self.normalize_over_classes)
        return self.score_temperature() * scores  # [B, C]

    def _load_from_state_dict(self, *args, **kwargs) -> None:
        # P_H derives from the text encoder, which a checkpoint may replace
        # (stage 2 loads the text tower that stage 1 trained).
        self._hand_crafted_cache = None
        super()._load_from_state_dict(*args, **kwargs)

    def score_temperature(self) -> torch.Tensor:
        """``tau`` (a scalar tensor) of ``z = tau * s`` (see ``score_scale``)."""
        if self.score_scale == 'clip':
            return self.logit_scale.float().exp()
        return torch.tensor(self.score_scale, device=self.logit_scale.device)
