"""The offline world's few-shot split: base / support disjoint, K per class, novel test."""
import csv
import json

import numpy as np
import pytest

from lmpt_mm.synthetic.fewshot_world import generate_fewshot_split, sample_episode


def rows(path):
    with open(path, newline='') as f:
        r = list(csv.reader(f))
    return r[0][1:], {x[0]: [int(v) for v in x[1:]] for x in r[1:]}


def test_sample_episode_exact_k_and_short_pool():
    rng = np.random.default_rng(0)
    labels = np.array([[1, 0], [1, 1], [0, 1], [1, 0], [0, 1], [1, 0]])
    for _ in range(20):
        chosen = sample_episode(labels, 2, rng)
        assert labels[chosen].sum(0).tolist() == [2, 2]
    with pytest.raises(ValueError, match='class 1: only 3 of K=4'):
        sample_episode(labels, 4, np.random.default_rng(0))


def test_split_files(tiny_lt_world, tmp_path):
    out = tmp_path / 'fewshot'
    s = generate_fewshot_split(tiny_lt_world, out, novel=('cat', 'tree'), shots=(1, 2),
                               episodes=3, train_list='train.txt', test_list='test.txt')
    base_cols, base = rows(out / 'classification_Train_base.csv')
    assert base_cols == ['dog', 'car'] and all(any(v) for v in base.values())
    test_cols, test = rows(out / 'classification_Test_novel.csv')
    assert test_cols == ['cat', 'tree'] and all(any(v) for v in test.values())
    assert all(n.startswith('test_') for n in test)
    for k in (1, 2):
        for e in (1, 2, 3):
            cols, sup = rows(out / f'classification_Train_novel_{k}shot_{e}.csv')
            assert cols == ['cat', 'tree']
            assert not set(sup) & set(base)  # no support image in base training
            assert np.array(list(sup.values())).sum(0).tolist() == [k, k]
    assert json.loads((out / 'fewshot.json').read_text())['novel'] == ['cat', 'tree']
    assert s['base_train_images'] == len(base)
