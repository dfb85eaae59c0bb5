"""tools/fewshot.py --protocol: the published protocol's adaptation run and its labels."""
import csv
import json

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import PARAM_SCHEDULERS

from lmpt_mm.cli.fewshot import (PROTOCOLS, PUBLISHED_EVAL_EPOCHS, METRIC_COLUMNS,
                                 best_published_evaluation, parse_args,
                                 published_protocol_cfg, summarize, write_summary)

CONFIG = 'configs/hpdval/fewshot/hpdval_vit-b16_voc2007-fs.py'


def evaluation_epochs(train_cfg: dict):
    """The epochs after which MMEngine's EpochBasedTrainLoop validates."""
    last, begin, step = train_cfg['max_epochs'], train_cfg['val_begin'], train_cfg[
        'val_interval']
    return [e for e in range(1, last + 1) if e >= begin and (e % step == 0 or e == last)]


def test_published_protocol_runs_the_code_adaptation():
    cfg = Config.fromfile(CONFIG)
    lr, cycle = cfg.optim_wrapper.optimizer.lr, cfg.train_cfg.max_epochs
    ecfg = published_protocol_cfg(Config(cfg.to_dict(), filename=CONFIG))
    assert evaluation_epochs(ecfg.train_cfg) == list(PUBLISHED_EVAL_EPOCHS)
    assert ecfg.val_dataloader == cfg.test_dataloader
    assert ecfg.val_evaluator == cfg.test_evaluator
    assert dict(type='EvaluationRecordHook', filename='evaluations.jsonl') in ecfg.custom_hooks
    # the schedule spans the configured epochs: torch's OneCycleLR over 150 epochs
    param = torch.nn.Parameter(torch.zeros(1))
    ours = torch.optim.AdamW([param], lr=lr, betas=(0.9, 0.9))
    scheds = [PARAM_SCHEDULERS.get(s['type']).build_iter_from_epoch(
        ours, epoch_length=3, **{k: v for k, v in s.items()
                                 if k not in ('type', 'convert_to_iter_based')})
        for s in ecfg.param_scheduler]
    ref = torch.optim.AdamW([torch.nn.Parameter(torch.zeros(1))], lr=lr, betas=(0.9, 0.9))
    torch_sched = torch.optim.lr_scheduler.OneCycleLR(ref, max_lr=lr, steps_per_epoch=3,
                                                      epochs=cycle, pct_start=0.1)
    for _ in range(3 * PUBLISHED_EVAL_EPOCHS[-1]):
        assert ours.param_groups[0]['lr'] == pytest.approx(ref.param_groups[0]['lr'])
        assert ours.param_groups[0]['betas'] == pytest.approx(ref.param_groups[0]['betas'])
        for s in scheds:
            s.step()
        torch_sched.step()


def test_published_protocol_needs_an_evaluation_epoch():
    cfg = Config.fromfile(CONFIG)
    cfg.train_cfg.max_epochs = 20
    with pytest.raises(ValueError, match='max_epochs=20'):
        published_protocol_cfg(cfg)


def test_best_evaluation_is_taken_among_the_published_epochs(tmp_path):
    lines = [dict(epoch=e, metrics={'fewshot/mAP': m, 'fewshot/precision': e})
             for e, m in ((25, 99.0), (30, 50.0), (40, 61.0), (50, 55.0))]
    (tmp_path / 'evaluations.jsonl').write_text(
        ''.join(json.dumps(x) + '\n' for x in lines))
    best = best_published_evaluation(str(tmp_path), 'fewshot/mAP')
    assert best['epoch'] == 40 and best['metrics']['fewshot/precision'] == 40
    with pytest.raises(FileNotFoundError):
        best_published_evaluation(str(tmp_path / 'none'), 'fewshot/mAP')


def test_summaries_name_the_protocol(tmp_path):
    assert parse_args([CONFIG]).protocol == 'final-epoch'
    rows = {1: {c: 1.0 for c in METRIC_COLUMNS}}
    records = [summarize(rows, 1, 'HP-DVAL', CONFIG),
               summarize(rows, 5, 'HP-DVAL', CONFIG, protocol='published')]
    assert [r['evaluation'] for r in records] == ['final-epoch', 'published']
    write_summary(tmp_path, records)
    text = (tmp_path / 'summary.md').read_text()
    assert '| HP-DVAL (5-shot) | 5 | 1 | published |' in text
    assert PROTOCOLS['published'] in text and PROTOCOLS['final-epoch'] in text
    with open(tmp_path / 'summary.csv', newline='') as f:
        assert [r['evaluation'] for r in csv.DictReader(f)] == ['final-epoch', 'published']
