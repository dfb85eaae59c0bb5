"""TensorMemo: hits only for the same live, unchanged tensor object."""
import gc
import pickle

import pytest
import torch

from lmpt_mm.datasets.class_stats import as_count_tensor
from lmpt_mm.utils.tensor_memo import TensorMemo


def test_hit_needs_the_same_unchanged_object():
    memo = TensorMemo()
    t = torch.arange(4)
    assert memo.get(t) is None
    memo.put(t, 'layout')
    assert memo.get(t) == 'layout'
    assert memo.get(t.clone()) is None  # equal values, another object
    t.add_(1)  # in place: the version counter moves
    assert memo.get(t) is None


def test_a_dead_tensors_id_never_matches_and_size_is_bounded():
    memo = TensorMemo(max_entries=2)
    t = torch.zeros(3)
    key = id(t)
    memo.put(t, 1)
    del t
    gc.collect()
    for _ in range(100):  # new tensors, some may reuse the freed id
        u = torch.zeros(3)
        if id(u) == key:
            break
    assert memo.get(u) is None
    memo.put(torch.ones(1), 2)
    memo.put(torch.ones(1), 3)
    assert len(memo) <= 2
    assert len(pickle.loads(pickle.dumps(memo))) == 0


def test_validated_counts_are_revalidated_after_an_in_place_change():
    counts = as_count_tensor([3, 0, 5], 'class_freq')
    assert as_count_tensor(counts, 'class_freq') is counts  # remembered as valid
    counts[1] = -2
    with pytest.raises(ValueError, match='non-negative'):
        as_count_tensor(counts, 'class_freq')
