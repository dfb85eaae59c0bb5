"""Pretraining the offline world's CLIP: loss goes down, checkpoint round-trips, cache."""
import json

import numpy as np
import open_clip
import pytest
import torch

import lmpt_mm.models.clip  # noqa: F401  registers lmpt-tiny-* / lmpt-synth-*
from lmpt_mm.synthetic.data import (load_images, read_label_list, read_pairs,
                                    to_model_input)
from lmpt_mm.synthetic.pretrain import (PretrainConfig, cached_result, data_hash,
                                        evaluate_zero_shot, pretrain_clip, sidecar_path)
from lmpt_mm.synthetic.world import WorldConfig, generate_world
from lmpt_mm.synthetic.zeroshot import mean_average_precision

ARCH = 'lmpt-tiny-vit'


@pytest.fixture(scope='module')
def tiny_world(tmp_path_factory):
    out = tmp_path_factory.mktemp('tiny_world')
    cfg = WorldConfig.scaled(0.01, 0.05)  # ~130 corpus images, 3 test images per class
    generate_world(out, cfg, progress=False)
    return out


@pytest.fixture(scope='module')
def trained(tiny_world, tmp_path_factory):
    ckpt = tmp_path_factory.mktemp('ckpt') / 'clip.pt'
    cfg = PretrainConfig(arch=ARCH, steps=12, batch_size=64, lr=2e-3, warmup_steps=2,
                         seed=0, threads=1)
    rec = pretrain_clip(tiny_world, ckpt, cfg, progress=False, log=lambda *a: None)
    return ckpt, cfg, rec


def _corpus_loss(model, root, n=128):
    pairs = read_pairs(root / 'pretrain_corpus.txt')[:n]
    imgs = load_images(root, [p for p, _ in pairs], progress=False)
    tokens = open_clip.get_tokenizer(ARCH)([c for _, c in pairs])
    model.eval()
    with torch.no_grad():
        out = model(to_model_input(imgs), tokens)
        return float(open_clip.ClipLoss()(*out[:3]))


def test_pretraining_lowers_contrastive_loss(tiny_world, trained):
    ckpt, cfg, _ = trained
    torch.manual_seed(cfg.seed)
    initial = open_clip.create_model(ARCH)  # the exact starting point of the run
    after = open_clip.create_model(ARCH)
    after.load_state_dict(torch.load(ckpt, weights_only=True))
    assert _corpus_loss(after, tiny_world) < _corpus_loss(initial, tiny_world) - 0.05


def test_checkpoint_loads_like_real_clip_weights(trained):
    ckpt, _, _ = trained
    state = torch.load(ckpt, weights_only=True)
    assert all(isinstance(v, torch.Tensor) for v in state.values())  # a plain state_dict
    model = open_clip.create_model(ARCH, pretrained=str(ckpt))
    loaded = model.state_dict()
    assert loaded.keys() == state.keys()
    for k, v in state.items():
        assert torch.equal(loaded[k], v), k


def test_recorded_zero_shot_matches_reevaluation(tiny_world, trained):
    ckpt, _, rec = trained
    model = open_clip.create_model(ARCH, pretrained=str(ckpt))
    res = evaluate_zero_shot(model, open_clip.get_tokenizer(ARCH), tiny_world)
    assert res['mAP'] == pytest.approx(rec['zero_shot']['mAP'], abs=1e-6)
    assert res['positive_rate'] == pytest.approx(rec['zero_shot']['positive_rate'])


def test_sidecar_and_cache_skip(tiny_world, trained, capsys):
    ckpt, cfg, rec = trained
    side = json.loads(sidecar_path(ckpt).read_text())
    assert side == json.loads(json.dumps(rec))
    assert side['arch'] == ARCH and side['steps'] == 12 and side['seed'] == 0
    assert side['data_hash'] == data_hash(tiny_world)
    assert 0 <= side['zero_shot']['mAP'] <= 100
    mtime = ckpt.stat().st_mtime_ns
    again = pretrain_clip(tiny_world, ckpt, cfg, progress=False)
    assert 'skipped' in capsys.readouterr().out
    assert again == side and ckpt.stat().st_mtime_ns == mtime
    # threads do not change the weights' identity; steps and seeds do
    assert cached_result(ckpt, PretrainConfig(**{**cfg.__dict__, 'threads': 2}),
                         data_hash(tiny_world)) is not None
    assert cached_result(ckpt, PretrainConfig(**{**cfg.__dict__, 'steps': 13}),
                         data_hash(tiny_world)) is None
    assert cached_result(ckpt, cfg, 'other data') is None


def test_zero_shot_map_matches_plain_loop():
    rng = np.random.default_rng(0)
    labels = (rng.random((40, 5)) < .3).astype(int)
    labels[0] = 1
    scores = rng.normal(size=(40, 5)) + labels

    def ap_loop(y, s):  # AP = mean over positives of precision at their rank
        order = np.argsort(-s, kind='stable')
        hits, total = 0, 0.0
        for rank, i in enumerate(order, 1):
            if y[i]:
                hits += 1
                total += hits / rank
        return 100 * total / y.sum()

    res = mean_average_precision(scores, labels)
    ref = [ap_loop(labels[:, c], scores[:, c]) for c in range(5)]
    np.testing.assert_allclose(res['ap'], ref, rtol=1e-9)
    assert res['mAP'] == pytest.approx(np.mean(ref))
    assert res['positive_rate'] == pytest.approx(100 * labels.mean())


def test_readers_name_file_and_line(tmp_path):
    bad = tmp_path / 'list.txt'
    bad.write_text('a.png 0 1\nb.png 7\n')
    with pytest.raises(ValueError, match=r'list.txt:2'):
        read_label_list(bad, num_classes=5)
    caps = tmp_path / 'caps.txt'
    caps.write_text('a.png a ball.\nb.png\n')
    with pytest.raises(ValueError, match=r'caps.txt:2'):
        read_pairs(caps)
    with pytest.raises(FileNotFoundError):
        pretrain_clip(tmp_path, tmp_path / 'x.pt', PretrainConfig(arch=ARCH, steps=1))


def test_pretraining_is_deterministic(tiny_world, tmp_path):
    cfg = PretrainConfig(arch=ARCH, steps=3, batch_size=32, warmup_steps=1, seed=3, threads=1)
    a, b = tmp_path / 'a.pt', tmp_path / 'b.pt'
    for p in (a, b):
        pretrain_clip(tiny_world, p, cfg, progress=False, log=lambda *x: None)
    sa, sb = torch.load(a, weights_only=True), torch.load(b, weights_only=True)
    assert all(torch.equal(sa[k], sb[k]) for k in sa)
