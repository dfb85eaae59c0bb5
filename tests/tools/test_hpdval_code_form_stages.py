"""HP-DVAL's code-form configs through tools/train.py on the tiny LT world: stage 1
trains CLIP's towers with the OneCycle schedule and the EMA, stage 2 starts from its
checkpoint (EMA weights) and trains only the prompts and temperatures.

The tiny configs inherit the real ``configs/hpdval/hpdval-stage{1,2}_vit-b16_voc-lt.py``
and swap in lmpt_mm's tiny CLIP and the tiny data; tools/train.py runs in this process
(test_hpdval_stages.train)."""
import json
from pathlib import Path

import torch

from lmpt_mm.engine.safe_checkpoint import load_local_checkpoint

from test_hpdval_stages import CLASSES, CONFIGS, TINY_DATA, train

TINY_MODEL = """
model = dict(
    backbone=dict(arch='lmpt-tiny-vit', pretrained=None),
    head=dict(arch='lmpt-tiny-vit', pretrained=None, classes={classes}, local_topk=4))
"""


def tiny_config(tmp: Path, real: str) -> Path:
    path = tmp / f'tiny_{Path(real).name}'
    data = TINY_DATA.replace('param_scheduler = dict(T_max=1)\n', '')
    path.write_text(f"_base_ = ['{CONFIGS / real}']\n"
                    + TINY_MODEL.format(classes=CLASSES) + data)
    return path


def lrs(work_dir: Path) -> list:
    out = []
    for path in work_dir.glob('*/vis_data/scalars.json'):
        out += [json.loads(line)['lr'] for line in path.read_text().splitlines()
                if '"lr"' in line]
    return out


def test_code_form_stages_train_through_the_tools(tiny_lt_world, tmp_path):
    s1 = tmp_path / 's1'
    train(tiny_config(tmp_path, 'hpdval-stage1_vit-b16_voc-lt.py'), s1, tiny_lt_world)
    ckpt1 = load_local_checkpoint(str(s1 / 'epoch_1.pth'))
    # EMAFromStartHook: the checkpoint's weights are the EMA, the raw ones kept aside
    assert 'ema_state_dict' in ckpt1
    raw = {k[len('module.'):]: v for k, v in ckpt1['ema_state_dict'].items()
           if k.startswith('module.')}
    state1 = ckpt1['state_dict']
    key = 'backbone.visual.proj'
    assert not torch.equal(state1[key], raw[key])  # trained, and averaged
    assert any(k.startswith('head.text_encoder.') for k in state1)
    assert 0 < lrs(s1)[0] < 1e-5  # OneCycle's warm-up: far below the peak 1e-5

    s2 = tmp_path / 's2'
    log = train(tiny_config(tmp_path, 'hpdval-stage2_vit-b16_voc-lt.py'), s2,
                tiny_lt_world, f'load_from={s1 / "epoch_1.pth"}')
    assert f'Load checkpoint from {s1 / "epoch_1.pth"}' in log
    state2 = load_local_checkpoint(str(s2 / 'epoch_1.pth'))['state_dict']
    for name in (key, 'head.text_encoder.text_projection'):  # frozen, from stage 1
        assert torch.equal(state2[name], state1[name]), name
    assert not torch.equal(state2['head.local_prompt_learner.ctx'],
                           state1['head.text_encoder.token_embedding.weight'][:4])
    scalars = ''.join(p.read_text() for p in s2.glob('*/vis_data/scalars.json'))
    assert 'loss_sc' in scalars and 'lt/mAP' in scalars
