"""The recipe smoke (``tools/recipe_smoke.py``): each real method's recipe on the
offline world, beside zero-shot CLIP.

The configs under ``configs/offline/recipes/`` keep each real config's optimiser,
schedule, loss convention and prompt settings and change only the model (the offline
small CLIP / ResNet-18), the data (the synthetic world) and, where said in the config,
the epochs. The runs go through the offline demo's machinery
(:func:`lmpt_mm.cli.demo.run_demo`: ``tools/train.py``, ``tools/test.py``,
``tools/compare.py`` in subprocesses), so the world and the small CLIP are the demo's
(generated once, cached).
"""
from pathlib import Path
from typing import Optional, Sequence

from .demo import DemoSettings, Method

RECIPES = 'configs/offline/recipes'

RECIPE_METHODS = (
    Method('Zero-shot CLIP', ['zeroshot-clip_synth-vit_synth-lt'], train=False),
    Method('LMPT (code recipe)', ['lmpt_recipe-code_synth-vit_synth-lt']),
    Method('LMPT (paper recipe)', ['lmpt_recipe-paper_synth-vit_synth-lt']),
    Method('CoOp (shared)', ['coop_recipe_synth-vit_synth-lt']),
    Method('CoOp (class-specific)', ['coop-csc_recipe_synth-vit_synth-lt']),
    Method('DualCoOp', ['dualcoop_recipe_synth-vit_synth-lt']),
    Method('HP-DVAL', ['hpdval-stage1_recipe_synth-vit_synth-lt',
                       'hpdval-stage2_recipe_synth-vit_synth-lt']),
    Method('ERM', ['resnet18_erm_recipe_synth-lt']),
    Method('DB-Focal', ['resnet18_db-focal_recipe_synth-lt']),
)


def recipe_settings(out_dir: Path = Path('work_dirs/recipes'),
                    data_dir: Path = Path('data/synthetic_lt'),
                    clip_path: Path = Path('work_dirs/demo/clip_synth.pt'),
                    only: Optional[Sequence[str]] = None,
                    clip_steps: Optional[int] = None) -> DemoSettings:
    """Settings of one recipe smoke; ``only``: method names to keep (zero-shot CLIP,
    the reference, is always run); ``clip_steps``: pretraining steps of the small
    CLIP (None: the demo's)."""
    methods = RECIPE_METHODS
    if only:
        unknown = set(only) - {m.name for m in methods}
        if unknown:
            raise ValueError(f'unknown recipe method(s) {sorted(unknown)}; choose from '
                             f'{[m.name for m in methods]}')
        methods = tuple(m for m in methods if m.name in only or not m.train)
    return DemoSettings(out_dir=out_dir, data_dir=data_dir, methods=methods,
                        config_dir=RECIPES, clip_path=clip_path, clip_steps=clip_steps)
