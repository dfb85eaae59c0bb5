"""HP-DVAL stage 2 (HPT) head: hierarchical (global / local) learned prompts + L_sc."""
from typing import Dict, List, Literal, Optional, Tuple

import torch
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

from ..losses.feature_l1 import feature_l1_loss
from ..prompt.prompt_learner import PromptLearner
from .dual_view_clip_head import DualViewCLIPHead

# The paper's prompts: M = 4 context tokens shared by all classes, N(0, 0.02) init.
DEFAULT_PROMPT = dict(n_ctx=4, csc=False, ctx_init=None, class_token_position='end',
                      init_std=0.02)


@MODELS.register_module()
class HPTHead(DualViewCLIPHead):
    r"""Hierarchical prompt tuning head.

    Two learned contexts (:class:`PromptLearner`, shared across classes by default):
    global prompts ``t_G[i] = [v_1..v_M, w_i]`` with text features ``P_G`` score the
    global view, local prompts ``t_L[i] = [v'_1..v'_M, w_i]`` (``P_L``) the local view:
    ``s[i] = alpha * cos(P_G[i], f_cls) + (1 - alpha) * topk-mean_j cos(P_L[i], f_j)``.
    Both prompt sets go through the frozen text encoder in one call (``2C``
    sequences). With ``alpha=1`` no local prompt is built.

    Training loss ``L_2 = L_cls + L_sc``, returned as ``loss`` (classification, DB*
    by default) and ``loss_sc = sc_weight * mean_{i,d} |P_H[i, d] - P_G[i, d]|`` -
    the semantic consistency of the learned global prompts with the hand-crafted
    ones (:func:`feature_l1_loss`: mean over the ``C x D`` elements of the raw text
    features; ``sc_normalize=True`` compares unit vectors). ``sc_weight=0`` is the
    "w/o semantic consistency" ablation. ``sc_prompts='local'`` puts ``L_sc`` on the
    local prompts' features ``P_L`` instead, as the HP-DVAL code does
    (``utils/dual_LT_engine_grouplr.py`` 201 of its release: ``F.l1_loss`` of the
    ``text_features`` that ``models/prompt_model.py`` 306 builds from ``ctx``, the
    context of the local view, line 335).

    With ``global_prompt_learner=dict(ctx_init='a photo of a')`` the global prompt
    of class ``i`` is token for token the hand-crafted ``'a photo of a {class}.'``,
    so ``P_G == P_H`` and ``L_sc == 0`` at initialisation.

    Args:
        loss, **kwargs (arch, classes, pretrained, quick_gelu, alpha, local_topk,
            template, score_scale, text_encoder_cfg, thr, topk): see
            :class:`DualViewCLIPHead`.
        global_prompt_learner, local_prompt_learner: :class:`PromptLearner` args
            overriding ``n_ctx=4, csc=False, ctx_init=None, init_std=0.02``.
        sc_weight: weight of ``L_sc`` (``>= 0``).
        sc_normalize: compare L2-normalised features in ``L_sc``.
        sc_prompts: ``'global'`` (the paper) or ``'local'`` (the code): the prompts
            whose features ``L_sc`` pulls toward ``P_H``.
    """

    def __init__(self,
                 global_prompt_learner: Optional[dict] = None,
                 local_prompt_learner: Optional[dict] = None,
                 sc_weight: float = 1.0,
                 sc_normalize: bool = False,
                 sc_prompts: Literal['global', 'local'] = 'global',
                 loss: dict = dict(type='DistributionBalancedLoss', variant='db_star'),
                 **kwargs) -> None:
        super().__init__(loss=loss, **kwargs)
        if sc_weight < 0:
            raise ValueError(f'sc_weight must be >= 0, got {sc_weight}')
        if sc_prompts not in ('global', 'local'):
            raise ValueError(f"sc_prompts must be 'global' or 'local', got {sc_prompts!r}")
        if sc_prompts == 'local' and not self.uses_local:
            raise ValueError("sc_prompts='local' needs the local view (its weight is 0 "
                             f'at alpha={self.alpha}, '
                             f'alpha_weights={self.alpha_weights!r})')
        self.sc_prompts = sc_prompts
        self.sc_weight = float(sc_weight)
        self.sc_normalize = sc_normalize
        self.global_prompt_learner = PromptLearner(
            self.classes, self.text_encoder, **{**DEFAULT_PROMPT,
                                                **(global_prompt_learner or {})})
        # An unused local prompt would get no gradient (and break DDP without
        # find_unused_parameters): with alpha = 1 there is none.
        self.local_prompt_learner = PromptLearner(
            self.classes, self.text_encoder, **{**DEFAULT_PROMPT,
                                                **(local_prompt_learner or {})}
        ) if self.uses_local else None

    def prompt_features(self) -> Tuple[torch.Tensor, Optional[torch.Tensor]]:
        """``(P_G [C, D], P_L [C, D] or None)`` of the current prompts."""
        learners = [self.global_prompt_learner]
        if self.local_prompt_learner is not None:
            learners.append(self.local_prompt_learner)
        prompts = torch.cat([pl() for pl in learners])  # [C, L, W] (+ [C, L, W]) -> [kC, L, W]
        tokens = torch.cat([pl.tokenized_prompts for pl in learners])  # [kC, L]
        feats = self.text_encoder(prompts, tokens)  # [kC, D]
        if self.local_prompt_learner is None:
            return feats, None
        p_global, p_local = feats.split(self.num_classes)  # [C, D] each
        return p_global, p_local

    def forward(self, feats) -> torch.Tensor:
        """Logits ``[B, C]``."""
        return self.dual_view_logits(feats, *self.prompt_features())

    def loss(self, feats, data_samples: List[DataSample], **kwargs) -> Dict[str, torch.Tensor]:
        """``dict(loss_cls=L_cls, loss_sc=sc_weight * L_sc)`` (``loss_sc`` absent for 0)."""
        p_global, p_local = self.prompt_features()
        logits = self.dual_view_logits(feats, p_global, p_local)
        losses = self._get_loss(logits, data_samples, **kwargs)
        if self.sc_weight > 0:
            pulled = p_global if self.sc_prompts == 'global' else p_local
            losses['loss_sc'] = self.sc_weight * feature_l1_loss(
                pulled, self.hand_crafted_features(), normalize=self.sc_normalize)
        return losses
