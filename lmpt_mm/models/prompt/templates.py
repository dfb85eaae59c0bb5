"""Hand-written prompt templates for zero-shot CLIP.

The ensembles are open_clip's copies of CLIP's ImageNet prompt-engineering templates
(``open_clip.zero_shot_metadata``), reused rather than duplicated here.
"""
from typing import Callable, List, Literal, Sequence, Union

from open_clip.zero_shot_metadata import OPENAI_IMAGENET_TEMPLATES, SIMPLE_IMAGENET_TEMPLATES

TemplateSpec = Union[Literal['single', 'ensemble', 'ensemble7'], Sequence[str]]

SINGLE_TEMPLATE = 'a photo of a {}.'


def resolve_templates(templates: TemplateSpec) -> List[Callable[[str], str]]:
    """Template functions ``class name -> prompt`` for a template spec.

    Args:
        templates: ``'single'`` (``'a photo of a {}.'``), ``'ensemble'`` (CLIP's 80
            ImageNet templates), ``'ensemble7'`` (CLIP's 7 selected ones) or a list of
            format strings with one ``{}`` for the class name.
    """
    if isinstance(templates, str):
        if templates == 'single':
            return [SINGLE_TEMPLATE.format]
        if templates == 'ensemble':
            return list(OPENAI_IMAGENET_TEMPLATES)
        if templates == 'ensemble7':
            return list(SIMPLE_IMAGENET_TEMPLATES)
        raise ValueError("templates must be 'single', 'ensemble', 'ensemble7' or a list of "
                         f"format strings like 'a photo of a {{}}.', got {templates!r}")
    templates = list(templates)
    if not templates:
        raise ValueError('templates list is empty')
    for t in templates:
        if not isinstance(t, str) or t.count('{}') != 1:
            raise ValueError(f"each template needs exactly one '{{}}' for the class name, "
                             f'got {t!r}')
    return [t.format for t in templates]
