"""The offline world generator: exact long-tailed counts, formats, determinism."""
import hashlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from lmpt_mm.synthetic.captions import ObjectMention, make_caption
from lmpt_mm.synthetic.catalogue import CLASSES
from lmpt_mm.synthetic.label_sets import realize_label_sets
from lmpt_mm.synthetic.world import (VOC_LT_CLASS_FREQ, VOC_LT_NUM_TRAIN, WorldConfig,
                                     generate_world)

# Reduced world: VOC-LT's exact train split, small test split and corpus.
TEST_PER_CLASS = 30
SMALL = dict(scale=0.05, test_per_class=TEST_PER_CLASS)


def _config(scale=0.05, train_scale=1.0, test_per_class=None, **kw):
    cfg = WorldConfig.scaled(scale, train_scale, **kw)
    if test_per_class is not None:
        cfg.test_per_class = test_per_class
    return cfg


@pytest.fixture(scope='module')
def world(tmp_path_factory):
    out = tmp_path_factory.mktemp('world')
    meta = generate_world(out, _config(**SMALL), progress=False)
    return out, meta


def _read_list(path):
    rows = []
    for line in Path(path).read_text().splitlines():
        if line.strip():
            rel, *ids = line.split()
            rows.append((rel, [int(i) for i in ids]))
    return rows


def _freq(rows, num_classes=len(CLASSES)):
    f = np.zeros(num_classes, int)
    for _, ids in rows:
        f[sorted(set(ids))] += 1
    return f


def test_default_config_matches_voc_lt_and_spec():
    cfg = WorldConfig()
    assert tuple(cfg.train_class_freq) == VOC_LT_CLASS_FREQ
    assert cfg.train_num_images == VOC_LT_NUM_TRAIN == 1142
    assert cfg.test_per_class >= 30
    assert cfg.pretrain_per_class > cfg.test_per_class


def test_train_counts_exactly_voc_lt(world):
    out, meta = world
    rows = _read_list(out / 'lt_train.txt')
    assert len(rows) == VOC_LT_NUM_TRAIN
    assert _freq(rows).tolist() == list(VOC_LT_CLASS_FREQ)
    assert meta['class_freq']['train'] == list(VOC_LT_CLASS_FREQ)
    sizes = [len(ids) for _, ids in rows]
    assert all(len(set(ids)) == len(ids) for _, ids in rows)
    assert min(sizes) == 1 and max(sizes) == 4
    f = np.asarray(VOC_LT_CLASS_FREQ)
    assert ((f >= 100).sum(), ((f >= 20) & (f < 100)).sum(), (f < 20).sum()) == (6, 6, 8)


def test_test_split_balanced_with_enough_positives(world):
    out, _ = world
    f = _freq(_read_list(out / 'lt_test.txt'))
    # every class in exactly test_per_class images: not long-tailed
    assert f.tolist() == [TEST_PER_CLASS] * len(CLASSES)


def test_val_split_balanced_like_test_and_disjoint_from_every_split(world):
    out, meta = world
    val, test = _read_list(out / 'lt_val.txt'), _read_list(out / 'lt_test.txt')
    per_class = meta['config']['val_per_class']
    assert _freq(val).tolist() == [per_class] * len(CLASSES) == meta['class_freq']['val']
    # same generator: object counts from the same distribution as the test split
    assert max(len(ids) for _, ids in val) <= 4 and min(len(ids) for _, ids in val) == 1
    assert abs(np.mean([len(ids) for _, ids in val])
               - np.mean([len(ids) for _, ids in test])) < 0.35
    corpus = {line.split(' ', 1)[0]
              for line in (out / 'pretrain_corpus.txt').read_text().splitlines()}
    paths = dict(train={p for p, _ in _read_list(out / 'lt_train.txt')},
                 val={p for p, _ in val}, test={p for p, _ in test}, pretrain=corpus)

    def pixels(split):
        return {hashlib.sha256(np.asarray(Image.open(out / p)).tobytes()).hexdigest()
                for p in paths[split]}
    hashes = {split: pixels(split) for split in paths}
    assert len(hashes['val']) == len(paths['val'])  # no image repeated inside val
    for other in ('train', 'test', 'pretrain'):
        assert not paths['val'] & paths[other], other
        assert not hashes['val'] & hashes[other], other


def test_adding_val_leaves_the_other_splits_unchanged():
    from lmpt_mm.synthetic.world import split_label_sets
    cfg = _config(**SMALL)
    smaller_val = _config(**SMALL)
    smaller_val.val_per_class = 1
    for split in ('train', 'test'):
        assert split_label_sets(split, cfg) == split_label_sets(split, smaller_val)
    assert split_label_sets('val', cfg) != split_label_sets('test', cfg)


def test_corpus_balanced_and_disjoint_from_splits(world):
    out, meta = world
    corpus = [line.split(' ', 1) for line in (out / 'pretrain_corpus.txt').read_text().splitlines()]
    assert all(len(c) == 2 and c[1].strip() for c in corpus)
    corpus_paths = {p for p, _ in corpus}
    cfg = meta['config']
    assert len(corpus) == cfg['captions_per_image'] * len(corpus_paths)
    assert len(corpus_paths) > len(_read_list(out / 'lt_test.txt'))
    assert meta['class_freq']['pretrain'] == [cfg['pretrain_per_class']] * len(CLASSES)
    split_paths = {p for p, _ in _read_list(out / 'lt_train.txt') + _read_list(out / 'lt_test.txt')}
    assert not corpus_paths & split_paths

    def pixels(paths):
        return {hashlib.sha256(np.asarray(Image.open(out / p)).tobytes()).hexdigest()
                for p in paths}
    assert not pixels(corpus_paths) & pixels(split_paths)


def test_formats_read_by_dataset_class(world):
    out, _ = world
    names = [line.rsplit(' ', 1) for line in (out / 'labels.txt').read_text().splitlines()]
    assert [int(i) for _, i in names] == list(range(len(CLASSES)))
    from open_clip.tokenizer import SimpleTokenizer
    tok = SimpleTokenizer()
    assert all(len(tok.encode(n)) == 1 for n, _ in names), 'class names must be one BPE token'

    from lmpt_mm.datasets import LTMultiLabelDataset
    ds = LTMultiLabelDataset(ann_file='lt_train.txt', label_file='labels.txt',
                             data_root=str(out), caption_file='lt_captions.txt',
                             with_caption=True)
    assert len(ds) == VOC_LT_NUM_TRAIN
    assert list(ds.metainfo['class_freq']) == list(VOC_LT_CLASS_FREQ)
    assert [len(ds.metainfo['class_groups'][g]) for g in ('head', 'medium', 'tail')] == [6, 6, 8]
    info = ds.get_data_info(0)
    assert Path(info['img_path']).is_file() and info['caption']
    with Image.open(info['img_path']) as im:
        assert im.size == (32, 32) and im.mode == 'RGB'
    test = LTMultiLabelDataset(ann_file='lt_test.txt', label_file='labels.txt',
                               data_root=str(out), train_ann_file='lt_train.txt')
    assert len(test) == len(_read_list(out / 'lt_test.txt'))


def test_captions_aligned_and_name_objects(world):
    out, _ = world
    train = _read_list(out / 'lt_train.txt')
    caps = [line.split(' ', 1) for line in (out / 'lt_captions.txt').read_text().splitlines()]
    assert [p for p, _ in caps] == [p for p, _ in train]
    words = {c.name: {c.name, *c.synonyms} for c in CLASSES}
    for (_, ids), (_, cap) in zip(train, caps):
        toks = set(cap.replace(',', ' ').replace('.', ' ').split())
        named = [i for i in ids if words[CLASSES[i].name] & toks]
        assert named, f'caption {cap!r} names none of {ids}'
    # some captions leave objects out
    multi = [(ids, cap) for (_, ids), (_, cap) in zip(train, caps) if len(ids) > 1]
    partial = sum(not all(words[CLASSES[i].name] & set(cap.replace(',', ' ').replace('.', ' ').split())
                          for i in ids) for ids, cap in multi)
    assert 0 < partial < len(multi)


def test_make_caption_mentions_all_when_asked():
    objs = [ObjectMention('ball', ('sphere',), 'red', 'small', 'on the left'),
            ObjectMention('kite', (), 'blue', '', 'at the top')]
    for seed in range(20):
        cap = make_caption(objs, 'gray', np.random.default_rng(seed), mention_all_prob=1.0)
        assert ('ball' in cap or 'sphere' in cap) and 'kite' in cap


def test_realize_label_sets_exact_and_infeasible():
    rng = np.random.default_rng(0)
    counts = [5, 3, 3, 1]
    caps = [2, 2, 2, 1, 1, 1, 1, 1, 1]
    sets = realize_label_sets(counts, caps, rng)
    assert [len(s) for s in sets] == caps
    assert _freq([(None, s) for s in sets], 4).tolist() == counts
    with pytest.raises(ValueError, match='class'):
        realize_label_sets([3, 1], [2, 2], rng)  # class 0 needs 3 of 2 images
    with pytest.raises(ValueError):
        realize_label_sets([3, 2], [2, 2, 1, 1], rng)  # sums differ


def test_deterministic_and_cached(tmp_path, capsys):
    cfg = _config(scale=0.01, train_scale=0.05, test_per_class=2)
    a, b = tmp_path / 'a', tmp_path / 'b'
    generate_world(a, cfg, progress=False)
    generate_world(b, cfg, progress=False)

    def digest(root):
        return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted(root.rglob('*')) if p.is_file()}
    da = digest(a)
    assert da == digest(b) and len(da) > 50
    capsys.readouterr()
    generate_world(a, cfg, progress=False)
    assert 'skipped' in capsys.readouterr().out
    other = _config(scale=0.01, train_scale=0.05, test_per_class=2, seed=1)
    generate_world(b, other, progress=False)
    assert digest(b) != da
