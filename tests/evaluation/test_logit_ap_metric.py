"""LogitAveragePrecision ranks the logits: exact AP where a float32 sigmoid saturates."""
import numpy as np
import torch

from lmpt_mm.evaluation import LogitAveragePrecision, average_precision


def samples(logits, labels):
    return [dict(pred_score=torch.sigmoid(z), pred_logits=z, gt_label=torch.tensor(y))
            for z, y in zip(logits, labels)]


def test_logits_rank_where_sigmoid_ties():
    # CLIP-sized logits: sigmoid(30) == sigmoid(40) == 1.0 in float32
    logits = torch.tensor([[40.0, -3.0], [30.0, 2.0], [35.0, 1.0], [-1.0, 25.0]])
    labels = [[0], [1], [0], [0, 1]]
    target = np.zeros((4, 2))
    for i, y in enumerate(labels):
        target[i, y] = 1
    metric = LogitAveragePrecision(prefix='fewshot')
    metric.process(None, samples(logits, labels))
    got = metric.compute_metrics(metric.results)['mAP']
    expected = 100 * np.nanmean(average_precision(logits.double().numpy(), target))
    assert abs(got - expected) < 1e-6
    # MMPretrain's metric on the saturated sigmoid ties images and differs here
    assert torch.sigmoid(torch.tensor(30.0)) == torch.sigmoid(torch.tensor(40.0))
    from mmpretrain.evaluation import AveragePrecision
    plain = AveragePrecision()
    plain.process(None, [dict(pred_score=s['pred_score'], gt_label=s['gt_label'])
                         for s in samples(logits, labels)])
    assert abs(plain.compute_metrics(plain.results)['mAP'] - expected) > 1.0


def test_falls_back_to_pred_score():
    scores = torch.tensor([[0.9, 0.1], [0.2, 0.8]])
    metric = LogitAveragePrecision()
    metric.process(None, [dict(pred_score=s, gt_label=torch.tensor([i]))
                          for i, s in enumerate(scores)])
    assert metric.compute_metrics(metric.results)['mAP'] == 100.0
