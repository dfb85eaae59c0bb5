"""Which augmented views of a training image can be cached: pipeline analysis.

A train pipeline made of deterministic transforms and at most one horizontal
``RandomFlip`` has finitely many outputs per image: ``{no flip, flip}`` with
probabilities ``(1 - p, p)``. Each view is encoded once with a deterministic copy of
the pipeline (``RandomFlip(prob=0.0)`` / ``RandomFlip(prob=1.0)``), and training
draws one view per sample with those probabilities - the same distribution as the
uncached pipeline. Any other random transform (``RandomResizedCrop``,
``ColorJitter``, ...) has unboundedly many outputs: such a pipeline is cached only
when the user asks for ``num_views=K`` fixed random views (each view ``k`` of image
``i`` drawn once with a seed derived from ``(k, i)``), sampled uniformly at train
time - which changes the augmentation distribution to those ``K`` draws.
"""
import copy
from dataclasses import dataclass, field
from typing import List, Literal, Optional, Sequence

from mmengine.dataset import Compose
from mmpretrain.registry import TRANSFORMS

# Transforms whose output depends only on their input (no random draw).
DETERMINISTIC_TRANSFORMS = frozenset({
    'LoadImageFromFile', 'Resize', 'ResizeEdge', 'CenterCrop', 'Pad', 'Normalize',
    'ToTensor', 'ImageToTensor', 'Transpose', 'PackInputs', 'PackMultiTaskInputs',
    'ToNumpy', 'ToPIL', 'Collect', 'KeyMapper', 'Grayscale'})
PACK_TRANSFORMS = ('PackInputs', )


def build_pipeline(pipeline: Sequence[dict]) -> Compose:
    """``Compose`` of transform configs, looked up in MMPretrain's registry."""
    return Compose([TRANSFORMS.build(copy.deepcopy(dict(t))) for t in pipeline])


def transform_type(cfg: dict) -> str:
    """Registry name of a transform config without its scope (``mmpretrain.Resize``)."""
    name = cfg.get('type') if isinstance(cfg, dict) else None
    if not isinstance(name, str):
        name = getattr(name, '__name__', repr(name))
    return name.split('.')[-1]


@dataclass
class ViewPlan:
    """The views to cache for a pipeline.

    Attributes:
        mode: ``'enumerated'`` (all views, exact distribution), ``'sampled'``
            (``num_views`` fixed random draws) or ``'none'`` (not cacheable).
        pipelines: one pipeline config per view (``'sampled'``: the original one,
            seeded per view and image).
        probs: probability of each view at train time (sums to 1).
        flips: per view ``True``/``False`` (horizontal flip) or ``None`` (unknown).
        reason: why the pipeline is not cacheable (``mode == 'none'``).
    """
    mode: Literal['enumerated', 'sampled', 'none']
    pipelines: List[list] = field(default_factory=list)
    probs: List[float] = field(default_factory=list)
    flips: List[Optional[bool]] = field(default_factory=list)
    reason: str = ''

    @property
    def num_views(self) -> int:
        return len(self.pipelines)


def _flip_prob(cfg: dict) -> Optional[float]:
    """``p`` of a horizontal ``RandomFlip``, or None when it is not that."""
    prob, direction = cfg.get('prob'), cfg.get('direction', 'horizontal')
    if direction != 'horizontal' or isinstance(prob, (list, tuple)) or prob is None:
        return None
    prob = float(prob)
    return prob if 0.0 <= prob <= 1.0 else None


def plan_views(pipeline: Sequence[dict], num_views: Optional[int] = None) -> ViewPlan:
    """Views of ``pipeline`` to encode (see the module docstring).

    Args:
        pipeline: the train pipeline config (list of transform dicts).
        num_views: ``K`` random views to cache when the pipeline is not enumerable;
            ``None`` refuses such pipelines (``mode='none'``). Ignored (exact
            enumeration wins) for enumerable pipelines.
    """
    if num_views is not None and (not isinstance(num_views, int) or num_views < 1):
        raise ValueError(f'feature cache num_views must be a positive int or None, '
                         f'got {num_views!r}')
    pipeline = [copy.deepcopy(dict(t)) for t in pipeline]
    names = [transform_type(t) for t in pipeline]
    if not names or names[-1] not in PACK_TRANSFORMS:
        return ViewPlan('none', reason=f'the pipeline must end with PackInputs, got '
                        f'{names[-1] if names else "an empty pipeline"}')
    flip_at = [i for i, n in enumerate(names) if n == 'RandomFlip']
    random_ones = [n for i, n in enumerate(names)
                   if n not in DETERMINISTIC_TRANSFORMS and i not in flip_at]
    flip_ok = len(flip_at) <= 1 and all(_flip_prob(pipeline[i]) is not None
                                         for i in flip_at)
    if not random_ones and flip_ok:
        if not flip_at:
            return ViewPlan('enumerated', [pipeline], [1.0], [None])
        at, prob = flip_at[0], _flip_prob(pipeline[flip_at[0]])
        plan = ViewPlan('enumerated')
        for flip, p in ((False, 1.0 - prob), (True, prob)):
            if p == 0.0:
                continue  # a view that never occurs
            view = copy.deepcopy(pipeline)
            view[at]['prob'] = 1.0 if flip else 0.0
            plan.pipelines.append(view)
            plan.probs.append(p)
            plan.flips.append(flip)
        return plan
    why = ', '.join(random_ones) if random_ones else \
        'RandomFlip other than one horizontal flip with a float prob'
    if num_views is None:
        return ViewPlan('none', reason=f'random transforms with unboundedly many outputs '
                        f'({why}); set num_views=K to cache K random views per image')
    return ViewPlan('sampled', [copy.deepcopy(pipeline) for _ in range(num_views)],
                    [1.0 / num_views] * num_views, [None] * num_views,
                    reason=f'{num_views} random views of a pipeline with {why}')
