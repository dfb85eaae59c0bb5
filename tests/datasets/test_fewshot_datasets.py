"""Few-shot datasets: the published VOC2007 / COCO 2014 episodes, COCO index resolution
on a tiny instances file, and every leak check."""
import csv
import json
from pathlib import Path

import pytest
from mmpretrain.registry import DATASETS

from lmpt_mm.datasets import read_fewshot_csv
from lmpt_mm.datasets.fewshot import read_coco_episodes

VOC_NOVEL = ('cat', 'dog', 'pottedplant', 'sheep', 'sofa', 'tvmonitor')


# -- the published files (skipped where absent) ----------------------------------------
@pytest.mark.parametrize('shots', [1, 5])
def test_voc_episodes_have_k_images_per_class_and_padded_ids(fewshot_root, shots):
    voc = fewshot_root / 'voc'
    for episode in range(1, 11):
        ds = DATASETS.build(dict(type='VOC2007FewShot', view='support', shots=shots,
                                 episode=episode, ann_dir=str(voc), data_root='root',
                                 check_leaks=(episode == 1)))
        assert ds.metainfo['classes'] == VOC_NOVEL
        counts = [0] * 6
        for i in range(len(ds)):
            info = ds.get_data_info(i)
            for c in info['gt_label']:
                counts[c] += 1
            stem = Path(info['img_path']).stem
            assert len(stem) == 6 and int(stem) == int(info['fewshot_name'])
            assert info['img_path'] == f'root/VOCdevkit/VOC2007/JPEGImages/{stem}.jpg'
        assert counts == [shots] * 6, (episode, counts)


def test_voc_base_and_novel_test_views(fewshot_root):
    voc = str(fewshot_root / 'voc')
    base = DATASETS.build(dict(type='VOC2007FewShot', view='base', ann_dir=voc))
    test = DATASETS.build(dict(type='VOC2007FewShot', view='novel_test', ann_dir=voc,
                               test_mode=True))
    assert len(base.metainfo['classes']) == 14
    assert not set(base.metainfo['classes']) & set(VOC_NOVEL)
    assert test.metainfo['classes'] == VOC_NOVEL
    # the first base row is VOC2007 image 5: JPEGImages/000005.jpg
    assert base.get_data_info(0)['img_path'].endswith('JPEGImages/000005.jpg')
    assert all(base.get_data_info(i)['gt_label'] for i in range(len(base)))


@pytest.mark.parametrize('shots', [1, 5])
def test_coco_episodes_file(fewshot_root, shots):
    eps = read_coco_episodes(fewshot_root / 'coco' / 'coco2014_fewshot_episodes.json')
    assert len(eps['novel_label_ids']) == 16 and len(eps['base_label_ids']) == 64
    for entry in eps['episodes'][f'{shots}shot']:
        assert sorted(map(int, entry['class_to_indices'])) == eps['novel_label_ids']
        # LaSO's episodes: each class in at least K images (a support image picked for
        # one class may show another)
        assert min(len(v) for v in entry['class_to_indices'].values()) == shots


# -- a tiny COCO: index resolution -------------------------------------------------------
def write_coco(root: Path, n_images=6, n_cats=4):
    """instances json whose images list is NOT in id order, and categories unsorted."""
    images = [dict(id=100 - i, file_name=f'COCO_train2014_{100 - i:012d}.jpg')
              for i in range(n_images)]
    cats = [dict(id=10 * (c + 1), name=f'cat{c}') for c in reversed(range(n_cats))]
    # image i has category i % n_cats (+ category 0 for odd i); one crowd and one
    # zero-width annotation that must not count
    anns = []
    for i, img in enumerate(images):
        anns.append(dict(id=len(anns), image_id=img['id'], category_id=10 * (i % n_cats + 1),
                         bbox=[0, 0, 5, 5], iscrowd=0))
        if i % 2:
            anns.append(dict(id=len(anns), image_id=img['id'], category_id=10,
                             bbox=[0, 0, 5, 5], iscrowd=0))
    anns.append(dict(id=len(anns), image_id=images[0]['id'], category_id=40,
                     bbox=[0, 0, 5, 5], iscrowd=1))
    anns.append(dict(id=len(anns), image_id=images[0]['id'], category_id=30,
                     bbox=[0, 0, 0, 5], iscrowd=0))
    path = root / 'instances_train2014.json'
    path.write_text(json.dumps(dict(images=images, annotations=anns, categories=cats)))
    return path


def write_episodes(root: Path, c2i_1shot, base=(0, 1), novel=(2, 3)):
    path = root / 'episodes.json'
    used = sorted({i for v in c2i_1shot.values() for i in v})
    path.write_text(json.dumps(dict(
        novel_label_ids=list(novel), base_label_ids=list(base),
        episodes={'1shot': [dict(class_to_indices={str(k): v for k, v in c2i_1shot.items()},
                                 used_indices=used)]})))
    return path


def coco(root, **kw):
    return DATASETS.build(dict(type='COCO2014FewShot', data_root=str(root),
                               episodes_file='episodes.json',
                               ann_file='instances_train2014.json', **kw))


def test_coco_indices_resolve_in_images_order(tmp_path):
    write_coco(tmp_path)
    # label ids: categories sorted by id (10, 20, 30, 40) -> 0..3; image index 2 is the
    # third entry of `images` (id 98) with category 30 -> label 2; index 3 (id 97):
    # category 40 -> label 3, plus category 10 (a base label, not in the novel view)
    write_episodes(tmp_path, {2: [2], 3: [3]})
    ds = coco(tmp_path, view='support', shots=1, episode=1)
    assert ds.metainfo['classes'] == ('cat2', 'cat3')
    infos = [ds.get_data_info(i) for i in range(len(ds))]
    assert [x['coco_image_id'] for x in infos] == [98, 97]
    assert [x['gt_label'] for x in infos] == [[0], [1]]
    assert infos[0]['img_path'] == str(tmp_path / 'train2014' / 'COCO_train2014_'
                                       '000000000098.jpg')
    base = coco(tmp_path, view='base')
    assert base.metainfo['classes'] == ('cat0', 'cat1')
    ids = [base.get_data_info(i)['coco_image_id'] for i in range(len(base))]
    # support images 2 and 3 are left out; image 0 keeps only category 10 (the crowd
    # and the zero-width annotations do not count)
    assert 98 not in ids and 97 not in ids
    assert base.get_data_info(0)['coco_image_id'] == 100
    assert base.get_data_info(0)['gt_label'] == [0]


# -- the leak checks and bad entries -----------------------------------------------------
def test_coco_index_outside_annotation_file(tmp_path):
    write_coco(tmp_path)
    write_episodes(tmp_path, {2: [2], 3: [60]})
    with pytest.raises(ValueError, match=r"episodes.json.*class_to_indices\['3'\].*60.*6 "
                       r'images of .*instances_train2014.json'):
        coco(tmp_path, view='support', shots=1, episode=1)


def test_coco_support_image_in_base_training(tmp_path):
    write_coco(tmp_path)
    write_episodes(tmp_path, {2: [2], 3: [3]})  # image 3 has base label 0 too
    with pytest.raises(ValueError, match=r'both in base training.*instances_train2014.json'
                       r".*episodes.json.*episodes\['1shot'\]\[0\]"):
        coco(tmp_path, view='base', exclude_support=False)


def test_coco_novel_class_in_base_labels(tmp_path):
    write_coco(tmp_path)
    write_episodes(tmp_path, {2: [2], 3: [3]}, base=(0, 1, 2))
    with pytest.raises(ValueError, match=r"episodes.json \(base_label_ids\).*\['2'\]"):
        coco(tmp_path, view='base')


def test_coco_support_with_fewer_than_k(tmp_path):
    write_coco(tmp_path)
    path = write_episodes(tmp_path, {2: [2], 3: [3]})
    data = json.loads(path.read_text())
    data['episodes']['5shot'] = data['episodes']['1shot']
    path.write_text(json.dumps(data))
    with pytest.raises(ValueError, match=r"episodes.json episodes\['5shot'\]\[0\].*fewer "
                       r"than K=5.*'cat2': 1"):
        coco(tmp_path, view='support', shots=5, episode=1)


def write_csv(path: Path, classes, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, 'w', newline='') as f:
        w = csv.writer(f)
        w.writerow(['name', *classes])
        w.writerows(rows)
    return path


@pytest.fixture
def voc_like(tmp_path):
    d = tmp_path / 'split'
    write_csv(d / 'classification_Train_base.csv', ['car', 'bus'],
              [[5, 1, 0], [7, 0, 1], [12, 0, 0]])
    write_csv(d / 'classification_Train_novel.csv', ['cat', 'dog'],
              [[20, 1, 0], [21, 0, 1], [22, 1, 1]])
    write_csv(d / 'classification_Train_novel_1shot_1.csv', ['cat', 'dog'],
              [[20, 1, 0], [21, 0, 1]])
    return d


def test_csv_views_and_all_zero_rows_dropped(voc_like, mm_log):
    base = DATASETS.build(dict(type='VOC2007FewShot', view='base', ann_dir=str(voc_like)))
    assert base.metainfo['classes'] == ('car', 'bus') and len(base) == 2
    assert any('1 row(s) with all labels 0' in m for m in mm_log.messages())
    sup = DATASETS.build(dict(type='VOC2007FewShot', view='support', shots=1, episode=1,
                              ann_dir=str(voc_like)))
    assert [sup.get_data_info(i)['img_path'] for i in range(2)] == [
        'VOCdevkit/VOC2007/JPEGImages/000020.jpg', 'VOCdevkit/VOC2007/JPEGImages/000021.jpg']


def test_metainfo_classes_must_agree_with_the_files(voc_like, tmp_path):
    """A config's metainfo may add entries, not rename the classes the files hold."""
    ds = DATASETS.build(dict(type='VOC2007FewShot', view='base', ann_dir=str(voc_like),
                             metainfo=dict(classes=['car', 'bus'], note='x')))
    assert tuple(ds.metainfo['classes']) == ('car', 'bus') and ds.metainfo['note'] == 'x'
    with pytest.raises(ValueError, match=r"metainfo\['classes'\] \['bus', 'car'\] "
                       r"contradicts the columns of .*Train_base.csv: \['car', 'bus'\]"):
        DATASETS.build(dict(type='VOC2007FewShot', view='base', ann_dir=str(voc_like),
                            metainfo=dict(classes=['bus', 'car'])))
    write_coco(tmp_path)
    write_episodes(tmp_path, {2: [2], 3: [3]})
    with pytest.raises(ValueError, match=r"contradicts .*episodes.*json and .*: "
                       r"\['cat2', 'cat3'\]"):
        coco(tmp_path, view='support', shots=1, episode=1,
             metainfo=dict(classes=['cat3', 'cat2']))


def test_csv_support_image_in_base(voc_like):
    write_csv(voc_like / 'classification_Train_novel_1shot_2.csv', ['cat', 'dog'],
              [[20, 1, 0], [7, 0, 1]])
    for view in ('support', 'base'):
        with pytest.raises(ValueError, match=r"both in base training .*Train_base.csv.*"
                           r"support set .*1shot_2.csv: first '7' .*line 3.*line 3"):
            DATASETS.build(dict(type='VOC2007FewShot', view=view, shots=1, episode=2,
                                ann_dir=str(voc_like)))


def test_csv_novel_class_in_base_labels(voc_like):
    write_csv(voc_like / 'classification_Train_base.csv', ['car', 'dog'], [[5, 1, 0]])
    with pytest.raises(ValueError, match=r"Train_base.csv: novel class\(es\) \['dog'\]"):
        DATASETS.build(dict(type='VOC2007FewShot', view='base', ann_dir=str(voc_like)))


def test_csv_support_with_fewer_than_k(voc_like):
    write_csv(voc_like / 'classification_Train_novel_5shot_1.csv', ['cat', 'dog'],
              [[20, 1, 0], [21, 0, 1], [22, 1, 1]])
    with pytest.raises(ValueError, match=r"5shot_1.csv: fewer than K=5 .*'cat': 2, 'dog': 2"):
        DATASETS.build(dict(type='VOC2007FewShot', view='support', shots=5, episode=1,
                            ann_dir=str(voc_like)))


def test_csv_bad_rows_name_file_and_line(tmp_path):
    path = write_csv(tmp_path / 'x.csv', ['cat'], [[1, 1], [2, 2]])
    with pytest.raises(ValueError, match=r'x.csv:3: labels must be 0 or 1'):
        read_fewshot_csv(path)
    path = write_csv(tmp_path / 'y.csv', ['cat'], [[1, 1], [1, 0]])
    with pytest.raises(ValueError, match=r"y.csv:3: image '1' repeats line 2"):
        read_fewshot_csv(path)
    d = tmp_path / 'z'
    write_csv(d / 'classification_Test_novel.csv', ['cat'], [['abc', 1]])
    with pytest.raises(ValueError, match=r"Test_novel.csv:2: VOC2007 image id 'abc'"):
        DATASETS.build(dict(type='VOC2007FewShot', view='novel_test', ann_dir=str(d)))
