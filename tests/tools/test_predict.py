"""tools/predict.py and MultiLabelInferencer on tiny models and tiny images."""
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.runner import load_checkpoint
from mmpretrain.registry import MODELS
from mmpretrain.utils import register_all_modules
from PIL import Image

import lmpt_mm  # noqa: F401
from lmpt_mm.apis import MultiLabelInferencer, select_labels
from lmpt_mm.apis.multi_label_inferencer import expand_image_paths

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / 'tests' / 'fixtures' / 'tiny_resnet_lt.py'
ZERO_SHOT = REPO / 'configs' / 'zeroshot_clip' / 'zeroshot-clip_vit-b16_voc-lt.py'


def run(args):
    env = dict(os.environ, PYTHONUNBUFFERED='1', OMP_NUM_THREADS='1')
    proc = subprocess.run([sys.executable, *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        raise AssertionError(f'{args} failed:\n{proc.stdout[-3000:]}\n'
                             f'{proc.stderr[-5000:]}')
    return proc


@pytest.fixture(scope='module')
def checkpoint(tiny_lt_world, tmp_path_factory) -> Path:
    """The tiny ResNet config trained for one epoch through tools/train.py."""
    work_dir = tmp_path_factory.mktemp('predict_train')
    run(['tools/train.py', str(CONFIG), '--work-dir', str(work_dir), '--cfg-options',
         'train_cfg.max_epochs=1', *[f'{loader}.dataset.data_root={tiny_lt_world}'
                                      for loader in ('train_dataloader',
                                                     'val_dataloader',
                                                     'test_dataloader')]])
    return work_dir / 'epoch_1.pth'


@pytest.fixture(scope='module')
def images(tiny_lt_world):
    return [tiny_lt_world / 'images' / f'test_{k:03d}.png' for k in range(3)]


def reference_scores(checkpoint: Path, images) -> np.ndarray:
    """Scores ``[N, C]`` by hand: PIL RGB, the config's mean/std, backbone, pooling,
    linear layer, sigmoid (no MMPretrain pipeline or data preprocessor)."""
    register_all_modules(init_default_scope=False)
    cfg = Config.fromfile(str(CONFIG))
    model = MODELS.build(cfg.model)
    load_checkpoint(model, str(checkpoint), map_location='cpu')
    model.eval()
    pre = cfg.model.data_preprocessor
    mean = torch.tensor(pre.mean).view(1, 3, 1, 1)
    std = torch.tensor(pre.std).view(1, 3, 1, 1)
    x = torch.stack([torch.from_numpy(np.array(Image.open(p).convert('RGB'))).permute(
        2, 0, 1).float() for p in images])
    with torch.no_grad():
        feat = model.backbone((x - mean) / std)[-1].mean(dim=(2, 3))  # [N, 512]
        return torch.sigmoid(model.head.fc(feat)).numpy()


def parse_output(stdout: str) -> dict:
    """``{image: [(class, score), ...]}`` from the tool's printout."""
    result, current = {}, None
    for line in stdout.splitlines():
        if line.endswith('.png') and not line.startswith(' '):
            current = result.setdefault(line, [])
        elif line.startswith('  ') and current is not None and '(' not in line:
            name, score = line.rsplit(maxsplit=1)
            current.append((name.strip(), float(score)))
    return result


def test_select_labels_matches_plain_loop():
    gen = torch.Generator().manual_seed(0)
    scores = torch.rand(10, generator=gen)
    expected = sorted((i for i in range(10) if scores[i] >= 0.4),
                      key=lambda i: -scores[i])
    assert select_labels(scores, threshold=0.4) == expected
    assert select_labels(scores, topk=3) == sorted(range(10), key=lambda i: -scores[i])[:3]
    assert select_labels(scores, threshold=1.01) == []
    with pytest.raises(ValueError, match='topk'):
        select_labels(scores, topk=0)


def test_predict_tool_prints_classes_above_threshold(checkpoint, images, tmp_path):
    ref = reference_scores(checkpoint, images)
    classes = ['dog', 'cat', 'car', 'tree']  # tests/conftest.py's tiny world
    # a threshold halfway between two neighbouring scores: no tie at the boundary
    flat = np.sort(ref.ravel())
    mid = len(flat) // 2
    threshold = float((flat[mid - 1] + flat[mid]) / 2)
    show_dir = tmp_path / 'show'
    proc = run(['tools/predict.py', str(CONFIG), str(checkpoint), *map(str, images),
                '--threshold', f'{threshold:.9f}', '--show-dir', str(show_dir),
                '--device', 'cpu'])
    printed = parse_output(proc.stdout)
    assert list(printed) == [str(p) for p in images]
    for k, path in enumerate(images):
        expected = [(classes[i], ref[k, i]) for i in np.argsort(-ref[k], kind='stable')
                    if ref[k, i] >= threshold]
        got = printed[str(path)]
        assert [name for name, _ in got] == [name for name, _ in expected]
        for (_, score), (_, want) in zip(got, expected):
            assert abs(score - want) <= 6e-4
        if not expected:
            assert 'no class scores >=' in proc.stdout

    # drawings: one per image, enlarged for legibility, with text drawn on them
    for path in images:
        drawn = np.asarray(Image.open(show_dir / f'{path.stem}.png').convert('RGB'))
        assert min(drawn.shape[:2]) == MultiLabelInferencer.min_draw_size
        plain = np.asarray(Image.open(path).convert('RGB').resize(drawn.shape[1::-1]))
        corner = (slice(0, 20), slice(0, 120))  # the prediction text box
        assert np.abs(drawn[corner].astype(int) - plain[corner].astype(int)).mean() > 20


def test_topk_and_zero_shot_class_names(tmp_path, images):
    """``checkpoint=None`` (zero-shot): names from the CLIP head, ``topk`` ordering."""
    cfg = Config.fromfile(str(ZERO_SHOT))
    tiny = dict(arch='lmpt-tiny-vit', pretrained=None)
    cfg.merge_from_dict(dict(model=dict(backbone=tiny, head=tiny)))
    cfg.test_dataloader.dataset.pipeline = [
        dict(type='LoadImageFromFile'),
        dict(type='Resize', scale=(32, 32)),
        dict(type='PackInputs'),
    ]
    inferencer = MultiLabelInferencer(cfg, None, device='cpu', topk=3)
    preds = inferencer.predict([str(p) for p in images])
    voc = list(cfg.class_names)
    for pred in preds:
        assert len(pred.labels) == 3
        assert pred.classes == [voc[i] for i in pred.labels]
        assert pred.scores == sorted(pred.scores, reverse=True)
        assert pred.scores[0] == pytest.approx(float(pred.pred_scores.max()))
        assert pred.pred_scores.shape == (20, )


def test_missing_files_are_named(checkpoint, images, tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        MultiLabelInferencer(str(CONFIG), str(tmp_path / 'nope.pth'), device='cpu')
    inferencer = MultiLabelInferencer(str(CONFIG), str(checkpoint), device='cpu')
    with pytest.raises(FileNotFoundError, match='missing.png'):
        inferencer.predict([str(images[0]), str(tmp_path / 'missing.png')])
    with pytest.raises(ValueError, match='threshold'):
        MultiLabelInferencer(str(CONFIG), str(checkpoint), device='cpu', threshold=2.0)


# --- directories and empty images -----------------------------------------
def test_predict_tool_takes_a_directory_and_names_an_empty_image(checkpoint, images,
                                                                  tmp_path):
    folder = tmp_path / 'imgs'
    folder.mkdir()
    for path in images[:2]:
        (folder / path.name).write_bytes(path.read_bytes())
    (folder / 'notes.txt').write_text('not an image')
    proc = run(['tools/predict.py', str(CONFIG), str(checkpoint), str(folder),
                '--device', 'cpu'])
    assert list(parse_output(proc.stdout)) == [str(folder / p.name) for p in images[:2]]
    empty = folder / 'empty.png'
    empty.write_bytes(b'')
    # the same folder through the tool's library path (a second launch would only
    # repeat the tool's start-up)
    inferencer = MultiLabelInferencer(str(CONFIG), str(checkpoint), device='cpu')
    with pytest.raises(ValueError, match=rf'image {empty} cannot be read: the file '
                       r'is empty \(0 bytes\)'):
        inferencer.predict(expand_image_paths([str(folder)]))
    with pytest.raises(ValueError, match='is a directory without images'):
        expand_image_paths([str(tmp_path)])  # holds only the folder imgs/
