"""LTMultiLabelDataset / VOCLT / COCOLT on the real and on tiny files."""
import os

import numpy as np
import pytest
from mmpretrain.registry import DATASETS

from lmpt_mm.datasets import COCOLT, VOCLT, LTMultiLabelDataset, read_split_list

VOC_FREQ = [6, 34, 8, 14, 154, 17, 249, 29, 479, 4, 240, 48, 11, 20, 775, 100,
            5, 82, 7, 64]


def _group_sizes(ds):
    g = ds.metainfo['class_groups']
    return len(g['head']), len(g['medium']), len(g['tail'])


def _assert_plain(meta):
    """Statistics are plain Python ints (they end up in checkpoints)."""
    assert all(type(v) is int for v in meta['class_freq'])
    assert all(type(v) is int for v in meta['neg_class_freq'])
    assert all(type(i) is int for v in meta['class_groups'].values() for i in v)


def test_voc_lt_real_files(lt_ann_root):
    root = lt_ann_root / 'voc'
    train = VOCLT(data_root=str(root), with_caption=True)
    assert len(train) == 1142
    meta = train.metainfo
    assert meta['class_freq'] == VOC_FREQ
    assert [a + b for a, b in zip(meta['class_freq'], meta['neg_class_freq'])
            ] == [1142] * 20
    assert _group_sizes(train) == (6, 6, 8)
    assert len(meta['classes']) == 20 and meta['classes'][14] == 'person'
    _assert_plain(meta)
    # every caption aligned with its image (checked at load) and non-empty
    caps = [train.get_data_info(i)['caption'] for i in range(len(train))]
    assert all(caps)
    info = train.get_data_info(0)
    assert info['img_path'] == os.path.join(
        str(root), 'VOCdevkit/VOC2012/JPEGImages/2008_000023.jpg')
    assert info['gt_label'] == [4, 14, 19]

    test = VOCLT(data_root=str(root), split='test')
    assert len(test) == 4952
    for key in ('class_freq', 'neg_class_freq', 'class_groups', 'classes'):
        assert test.metainfo[key] == meta[key]  # statistics from the train list


def test_coco_lt_real_files(lt_ann_root, mm_log):
    root = str(lt_ann_root / 'coco')
    train = COCOLT(data_root=root, with_caption=True)
    assert len(train) == 1909
    assert _group_sizes(train) == (22, 33, 25)
    assert train.metainfo['class_freq'][0] == 1128
    assert train.metainfo['classes'][0] == 'person'
    assert train.metainfo['classes'][78] == 'hair drier'  # no final newline
    assert len(train.metainfo['classes']) == 80
    assert all(train.get_data_info(i)['caption'] for i in range(len(train)))
    # trailing spaces in the list do not produce labels or paths with spaces
    assert train.get_data_info(0)['gt_label'] == [0, 62, 64, 66]

    test = COCOLT(data_root=root, split='test')
    assert len(test) == 5000
    assert test.metainfo['class_freq'] == train.metainfo['class_freq']
    # images without label are kept, counted, and warned about once
    n_empty = sum(not r.labels for r in read_split_list(
        os.path.join(root, 'coco_lt_test.txt'), 80))
    assert n_empty > 0 and test.num_unlabeled == n_empty
    assert sum(not test.get_data_info(i)['gt_label']
               for i in range(len(test))) == n_empty
    warns = [m for m in mm_log.messages() if 'have no label' in m]
    assert len(warns) == 1 and f'{n_empty} image(s)' in warns[0]


def test_lazy_init_has_metainfo_without_loading(lt_ann_root):
    ds = VOCLT(data_root=str(lt_ann_root / 'voc'), split='test', lazy_init=True)
    assert not ds._fully_initialized
    assert ds.metainfo['class_freq'] == VOC_FREQ
    ds.full_init()
    assert len(ds) == 4952


def test_registry_build_and_absolute_files(lt_ann_root, tmp_path):
    root = lt_ann_root / 'voc'
    ds = DATASETS.build(
        dict(
            type='VOCLT',
            data_root=str(tmp_path),  # images would live here
            split='test',
            ann_file=str(root / 'voc_lt_test.txt'),
            label_file=str(root / 'voc_labels.txt'),
            train_ann_file=str(root / 'voc_lt_train.txt')))
    assert isinstance(ds, VOCLT) and len(ds) == 4952
    assert ds.get_data_info(0)['img_path'].startswith(str(tmp_path))


def test_generic_dataset_tiny(tiny_lt, mm_log):
    train = LTMultiLabelDataset(
        data_root=str(tiny_lt),
        ann_file='tiny_train.txt',
        label_file='tiny_labels.txt',
        caption_file='tiny_captions.txt',
        with_caption=True,
        head_thr=3,
        tail_thr=2)
    meta = train.metainfo
    assert meta['classes'] == ('red car', 'blue bird', 'sun')
    assert meta['class_freq'] == [2, 3, 1]
    assert meta['neg_class_freq'] == [2, 1, 3]
    assert meta['class_groups'] == {'head': [1], 'medium': [0], 'tail': [2]}
    assert meta['head_thr'] == 3 and meta['tail_thr'] == 2
    assert [train.get_data_info(i)['caption'] for i in range(4)] == [
        'a red car and a bird', 'a bird', 'sun over a car', 'blue bird']
    assert train.get_data_info(2)['gt_label'] == [0, 2]
    assert train.get_cat_ids(0) == [0, 1]

    test = LTMultiLabelDataset(
        data_root=str(tiny_lt),
        ann_file='tiny_test.txt',
        label_file='tiny_labels.txt',
        train_ann_file='tiny_train.txt',
        img_prefix='pics')
    assert test.metainfo['class_freq'] == [2, 3, 1]
    assert test.get_data_info(1) == dict(
        img_path=os.path.join(str(tiny_lt), 'pics', 'imgs/t2.png'),
        gt_label=[], sample_idx=1)
    assert test.num_unlabeled == 1
    assert sum('have no label' in m for m in mm_log.messages()) == 1


def test_relative_data_root(tiny_lt, monkeypatch):
    monkeypatch.chdir(tiny_lt.parent)
    ds = LTMultiLabelDataset(
        data_root='tiny', ann_file='tiny_train.txt', label_file='tiny_labels.txt')
    assert ds.ann_file == os.path.join('tiny', 'tiny_train.txt')
    assert ds.get_data_info(0)['img_path'] == os.path.join('tiny', 'imgs/a.png')


def _tiny(tiny_lt, **kwargs):
    args = dict(
        data_root=str(tiny_lt),
        ann_file='tiny_train.txt',
        label_file='tiny_labels.txt')
    args.update(kwargs)
    return LTMultiLabelDataset(**args)


def test_bad_inputs_name_file_and_line(tiny_lt, write_text):
    write_text(tiny_lt / 'bad_id.txt', 'imgs/a.png 0\nimgs/b.png 7\n')
    with pytest.raises(ValueError, match=r'bad_id\.txt:2: label id 7 out of range'):
        _tiny(tiny_lt, ann_file='bad_id.txt')
    write_text(tiny_lt / 'bad_tok.txt', 'imgs/a.png 0,1\n')
    with pytest.raises(ValueError, match=r'bad_tok\.txt:1: malformed line'):
        _tiny(tiny_lt, ann_file='bad_tok.txt')
    write_text(tiny_lt / 'dup.txt', 'imgs/a.png 0\nimgs/b.png 1\nimgs/a.png 2\n')
    with pytest.raises(ValueError, match=r'dup\.txt:3: duplicate image imgs/a\.png'):
        _tiny(tiny_lt, ann_file='dup.txt')
    write_text(tiny_lt / 'empty.txt', '\n')
    with pytest.raises(ValueError, match=r'empty\.txt: empty split'):
        _tiny(tiny_lt, ann_file='empty.txt')
    write_text(tiny_lt / 'cap_bad.txt', 'imgs/a.png x\nimgs/b.png y\n'
               'imgs/d.png z\nimgs/c.png w\n')
    with pytest.raises(ValueError, match=r'cap_bad\.txt:3 names imgs/d\.png but '
                       r'.*tiny_train\.txt:4 names imgs/c\.png'):
        _tiny(tiny_lt, caption_file='cap_bad.txt', with_caption=True)
    write_text(tiny_lt / 'cap_short.txt', 'imgs/a.png x\n')
    with pytest.raises(ValueError, match=r'caption file lists 1 images but the '
                       r'split list lists 4'):
        _tiny(tiny_lt, caption_file='cap_short.txt', with_caption=True)


def test_test_split_error_found_lazily(tiny_lt, write_text):
    """With lazy_init the split list is read (and checked) at full_init."""
    write_text(tiny_lt / 'bad_test.txt', 'imgs/t.png 9\n')
    ds = _tiny(tiny_lt, ann_file='bad_test.txt', train_ann_file='tiny_train.txt',
               lazy_init=True)
    with pytest.raises(ValueError, match=r'bad_test\.txt:1: label id 9'):
        ds.full_init()


def test_argument_errors(tiny_lt, lt_ann_root):
    with pytest.raises(ValueError, match='with_caption=True needs a caption_file'):
        VOCLT(data_root=str(lt_ann_root / 'voc'), split='test', with_caption=True)
    with pytest.raises(ValueError, match="split must be 'train' or 'test'"):
        VOCLT(data_root=str(lt_ann_root / 'voc'), split='val')
    with pytest.raises(ValueError, match=r"metainfo\['classes'\] contradicts"):
        _tiny(tiny_lt, metainfo=dict(classes=['a', 'b', 'c']))
    with pytest.raises(FileNotFoundError, match='label file not found: .*nope'):
        _tiny(tiny_lt, label_file='nope.txt')


def test_statistics_match_label_matrix(lt_ann_root):
    """class_freq re-derived from the loaded data infos (not from the parser)."""
    ds = COCOLT(data_root=str(lt_ann_root / 'coco'))
    y = np.zeros((len(ds), 80), dtype=int)
    for i in range(len(ds)):
        y[i, ds.get_data_info(i)['gt_label']] = 1
    assert y.sum(0).tolist() == ds.metainfo['class_freq']
    assert (len(ds) - y.sum(0)).tolist() == ds.metainfo['neg_class_freq']


# --- an image that cannot be read names its file -------------------------
def test_empty_image_names_its_file(tiny_lt_world, tmp_path):
    import shutil
    root = shutil.copytree(tiny_lt_world, tmp_path / 'world')
    (root / 'images' / 'train_002.png').write_bytes(b'')  # 0 bytes
    ds = LTMultiLabelDataset(ann_file='train.txt', label_file='labels.txt',
                             data_root=str(root),
                             pipeline=[dict(type='LoadImageFromFile'),
                                       dict(type='PackInputs')])
    assert ds[1]['inputs'].shape[-1] == 32
    with pytest.raises(ValueError, match=r'image .*train_002\.png \(sample 2 of '
                       r'.*train\.txt\) cannot be loaded: the file is empty \(0 bytes\)'):
        ds[2]
    (root / 'images' / 'train_003.png').unlink()
    with pytest.raises(FileNotFoundError, match=r'train_003\.png .*does not exist'):
        ds[3]
