"""GroupAveragePrecision: keys, protocols, class_freq source, CSV, dist."""
import csv
import os
import socket

import numpy as np
import pytest
import torch
from mmpretrain.registry import METRICS
from mmpretrain.structures import DataSample
from sklearn.metrics import average_precision_score

from lmpt_mm.evaluation import GroupAveragePrecision, group_map

FREQ = [300, 150, 60, 30, 10, 2]


def _data(n=40, c=6, seed=0):
    rng = np.random.default_rng(seed)
    logits = rng.normal(size=(n, c)) * 3
    targets = (rng.random((n, c)) < 0.3).astype(int)
    targets[0] = 1
    return logits, targets


def _samples(logits, targets, use_score=False, start=0):
    out = []
    for i, (z, t) in enumerate(zip(logits, targets)):
        s = DataSample().set_pred_score(torch.sigmoid(torch.tensor(z)).float())
        if use_score:
            s.set_gt_score(torch.tensor(t, dtype=torch.float))
        else:
            s.set_gt_label(np.flatnonzero(t).tolist())
        s.set_metainfo(dict(sample_idx=start + i))
        out.append(s.to_dict())
    return out


def _evaluate(metric, logits, targets, **kw):
    for lo in range(0, len(logits), 16):  # batches
        metric.process(None, _samples(logits[lo:lo + 16], targets[lo:lo + 16],
                                      start=lo, **kw))
    return metric.evaluate(len(logits))


def test_keys_prefixed_and_equal_to_group_map(mm_log):
    logits, targets = _data()
    metric = METRICS.build(dict(type='GroupAveragePrecision', class_freq=FREQ))
    res = _evaluate(metric, logits, targets)
    ref = group_map(torch.sigmoid(torch.tensor(logits)).float().double().numpy(),
                    targets, FREQ)
    assert set(res) == {'lt/mAP', 'lt/mAP_head', 'lt/mAP_medium', 'lt/mAP_tail',
                        'lt/var'}
    for k in ('mAP', 'mAP_head', 'mAP_medium', 'mAP_tail', 'var'):
        assert res[f'lt/{k}'] == pytest.approx(ref[k])
    # sigmoid protocol: same AP as the raw logits (sklearn as oracle)
    sk = np.mean([average_precision_score(targets[:, c], logits[:, c])
                  for c in range(6)]) * 100
    assert res['lt/mAP'] == pytest.approx(sk)
    assert any("score protocol 'sigmoid'" in m
               for m in mm_log.messages(level=0))


def test_gt_score_and_gt_label_agree():
    logits, targets = _data(seed=1)
    a = _evaluate(GroupAveragePrecision(class_freq=FREQ), logits, targets)
    b = _evaluate(GroupAveragePrecision(class_freq=FREQ), logits, targets,
                  use_score=True)
    assert a == b


def test_softmax_protocol_ranks_renormalised_scores(mm_log):
    logits, targets = _data(seed=2)
    res = _evaluate(GroupAveragePrecision(class_freq=FREQ, score='softmax'),
                    logits, targets)
    soft = torch.softmax(torch.tensor(logits), dim=1).numpy()
    sk = np.mean([average_precision_score(targets[:, c], soft[:, c])
                  for c in range(6)]) * 100
    assert res['lt/mAP'] == pytest.approx(sk, abs=1e-6)
    sig = _evaluate(GroupAveragePrecision(class_freq=FREQ), logits, targets)
    assert res['lt/mAP'] != pytest.approx(sig['lt/mAP'])  # protocols differ
    assert any("score protocol 'softmax'" in m for m in mm_log.messages(level=0))


def test_class_freq_from_dataset_meta_and_missing():
    logits, targets = _data(seed=3)
    metric = GroupAveragePrecision()
    metric.dataset_meta = dict(classes=list('abcdef'), class_freq=FREQ)
    res = _evaluate(metric, logits, targets)
    ref = _evaluate(GroupAveragePrecision(class_freq=FREQ), logits, targets)
    assert res == ref
    with pytest.raises(ValueError, match='needs the train class frequency'):
        _evaluate(GroupAveragePrecision(), logits, targets)
    with pytest.raises(ValueError, match='class_freq has 3 entries'):
        _evaluate(GroupAveragePrecision(class_freq=[1, 2, 3]), logits, targets)
    with pytest.raises(ValueError, match="score must be 'sigmoid' or 'softmax'"):
        GroupAveragePrecision(score='logits')


def test_csv_and_class_without_positive(tmp_path, mm_log):
    logits, targets = _data(seed=4)
    targets[:, 5] = 0  # tail class with no positive test image
    metric = GroupAveragePrecision(out_dir=str(tmp_path))
    metric.dataset_meta = dict(classes=list('abcdef'), class_freq=FREQ)
    res = _evaluate(metric, logits, targets)
    assert all(np.isfinite(v) for v in res.values())
    assert any('5 (f)' in m and 'no positive test image' in m
               for m in mm_log.messages())
    with open(tmp_path / 'lt_per_class_ap.csv') as f:
        rows = list(csv.DictReader(f))
    assert [r['class_name'] for r in rows] == list('abcdef')
    assert [int(r['train_freq']) for r in rows] == FREQ
    assert [r['group'] for r in rows] == ['head', 'head', 'medium', 'medium',
                                          'tail', 'tail']
    assert rows[5]['ap'] == '' and rows[5]['test_positives'] == '0'
    aps = [float(r['ap']) for r in rows[:5]]
    assert np.mean(aps) == pytest.approx(res['lt/mAP'], abs=1e-3)
    assert rows[0]['score_protocol'] == 'sigmoid'


def test_duplicate_images_rejected():
    logits, targets = _data(n=4)
    metric = GroupAveragePrecision(class_freq=FREQ)
    metric.process(None, _samples(logits, targets))
    metric.process(None, _samples(logits[:1], targets[:1]))
    with pytest.raises(ValueError, match=r'more than once \(sample_idx \[0\]\)'):
        metric.evaluate(5)


def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def _dist_worker(rank, world_size, port, logits, targets, out):
    """One rank: DefaultSampler share (padded), process, evaluate."""
    import torch.distributed as dist
    from mmengine.dataset import DefaultSampler
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port))
    dist.init_process_group('gloo', rank=rank, world_size=world_size)
    try:
        sampler = DefaultSampler(list(range(len(logits))), shuffle=False)
        idx = list(sampler)
        metric = GroupAveragePrecision(class_freq=FREQ)
        for lo in range(0, len(idx), 2):
            b = idx[lo:lo + 2]
            samples = _samples(logits[b], targets[b])
            for s, i in zip(samples, b):
                s['sample_idx'] = i
            metric.process(None, samples)
        res = metric.evaluate(len(logits))
        if rank == 0:
            torch.save(res, out)
    finally:
        dist.destroy_process_group()


def test_distributed_gathers_each_image_once(tmp_path):
    """2 gloo ranks, 7 images (rank 1's share is padded with image 0): the
    result equals single-process evaluation and no image counts twice."""
    logits, targets = _data(n=7, seed=5)
    out = str(tmp_path / 'res.pt')
    torch.multiprocessing.spawn(
        _dist_worker, args=(2, _free_port(), logits, targets, out), nprocs=2)
    res = torch.load(out)
    ref = _evaluate(GroupAveragePrecision(class_freq=FREQ), logits, targets)
    assert res == pytest.approx(ref)


def test_sigmoid_protocol_ranks_logits_when_sigmoid_saturates():
    # CLIP-scale logits (20-40): float32 sigmoid is exactly 1.0 for all of them.
    logits, targets = _data(n=40, c=3, seed=3)
    logits = 30.0 + 3.0 * logits / np.abs(logits).max()
    samples = []
    for i, (z, t) in enumerate(zip(logits, targets)):
        z = torch.tensor(z, dtype=torch.float32)
        s = DataSample().set_pred_score(torch.sigmoid(z)).set_gt_label(
            np.flatnonzero(t).tolist())
        s.set_field(z, 'pred_logits')
        s.set_metainfo(dict(sample_idx=i))
        samples.append(s.to_dict())
    assert all(torch.all(torch.as_tensor(s['pred_score']) == 1.0) for s in samples)
    metric = GroupAveragePrecision(class_freq=[150, 50, 5])
    metric.process(None, samples)
    result = metric.evaluate(len(samples))
    expected = np.mean([average_precision_score(targets[:, c], logits[:, c].astype(
        np.float32)) for c in range(3)]) * 100
    assert result['lt/mAP'] == pytest.approx(expected, abs=1e-6)
    # Ranking the saturated sigmoid would tie every image: AP = positive rate.
    assert result['lt/mAP'] > 100 * targets.mean(0).mean() + 5
