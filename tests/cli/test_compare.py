"""tools/compare.py logic on fake work dirs and on a real MMEngine test log."""
import csv
import json

import pytest
from PIL import Image

from lmpt_mm.cli.compare import COLUMNS, CSV_COLUMNS, collect, compare, find_metrics


def _metrics(total, head, medium, tail, **extra):
    return {'lt/mAP': total, 'lt/mAP_head': head, 'lt/mAP_medium': medium,
            'lt/mAP_tail': tail, **extra}


@pytest.fixture
def work_dirs(tmp_path):
    # 1. metrics.json from tools/test.py, with per-class AP
    a = tmp_path / 'lmpt_run'
    a.mkdir()
    (a / 'metrics.json').write_text(json.dumps(
        _metrics(60.0, 50.0, 61.0, 70.0, method='LMPT', protocol='sigmoid',
                 **{'lt/var': 400.0})))
    (a / 'per_class_ap.csv').write_text('class,ap,train_freq\nball,80,500\nkite,40,5\n')
    # 2. MMEngine test dumps; the newest timestamp wins; config names the method
    b = tmp_path / 'coop_run'
    for ts, v in (('20240101_000000', 10.0), ('20240102_000000', 55.5)):
        (b / ts).mkdir(parents=True)
        (b / ts / f'{ts}.json').write_text(json.dumps(_metrics(v, 45.0, 56.0, 65.0)))
    (b / 'coop_cfg.py').write_text("_base_ = ['x.py']\nmethod_name = 'CoOp'\n")
    # 3. only validation scalars (JSON lines): the last line holding lt/mAP
    c = tmp_path / 'erm'
    (c / '20240103_000000' / 'vis_data').mkdir(parents=True)
    lines = [dict(lr=0.1, step=1), dict(_metrics(30.0, 40.0, 30.0, 20.0), step=1),
             dict(_metrics(35.0, 45.0, 35.0, 25.0), step=2), dict(lr=0.01, step=3)]
    (c / '20240103_000000' / 'vis_data' / 'scalars.json').write_text(
        '\n'.join(json.dumps(x) for x in lines) + '\n')
    return [a, b, c]


def test_collect_picks_sources_and_names(work_dirs):
    # erm has validation scalars only: not a test result, left out (tested in
    # tests/cli/test_compare_labels.py)
    with pytest.warns(UserWarning, match='validation metrics only'):
        res = collect(work_dirs)
    assert [r.method for r in res] == ['LMPT', 'CoOp']
    assert [r.metrics['lt/mAP'] for r in res] == [60.0, 55.5]
    assert res[0].source.name == 'metrics.json'
    assert res[1].source.name == '20240102_000000.json'
    assert res[0].per_class[1] == dict(cls='kite', ap=40.0, train_freq=5)
    with pytest.warns(UserWarning):
        assert collect(work_dirs, names=['A', 'B', 'C'])[1].method == 'B'
    with pytest.raises(ValueError, match='names'):
        collect(work_dirs, names=['A'])


def test_compare_writes_table_csv_and_png(work_dirs, tmp_path):
    out = tmp_path / 'out'
    compare(work_dirs, out)
    with open(out / 'comparison.csv', newline='') as f:
        rows = list(csv.DictReader(f))
    assert tuple(rows[0].keys()) == CSV_COLUMNS == COLUMNS + ('stale', )
    assert COLUMNS == ('method', 'mAP', 'mAP_head', 'mAP_medium', 'mAP_tail', 'var')
    assert rows[1] == dict(method='CoOp', mAP='55.5', mAP_head='45.0', mAP_medium='56.0',
                           mAP_tail='65.0', var='nan',  # logged before lt/var existed
                           stale='False')
    md = (out / 'comparison.md').read_text()
    assert '| method | mAP | head | medium | tail | var. |' in md
    assert '| LMPT | 60.00 | 50.00 | 61.00 | 70.00 | 400.00 |' in md
    assert '| CoOp | 55.50 | 45.00 | 56.00 | 65.00 | n/a |' in md
    with Image.open(out / 'comparison.png') as im:
        assert im.size[0] > im.size[1] > 100


def test_missing_metrics_is_an_error(tmp_path):
    (tmp_path / 'empty').mkdir()
    with pytest.raises(ValueError, match='no metrics found'):
        find_metrics(tmp_path / 'empty')
    with pytest.raises(FileNotFoundError):
        find_metrics(tmp_path / 'nope')


def test_reads_a_real_mmengine_test_log(tmp_path):
    """What Runner.test really writes is what find_metrics reads."""
    import torch
    from mmengine.evaluator import BaseMetric
    from mmengine.model import BaseModel
    from mmengine.runner import Runner

    class Toy(BaseModel):
        def __init__(self):
            super().__init__()
            self.w = torch.nn.Linear(1, 1)

        def forward(self, inputs, data_samples=None, mode='tensor'):
            return [dict(v=float(x)) for x in inputs]

    class FakeLT(BaseMetric):
        def process(self, data_batch, data_samples):
            self.results.extend(data_samples)

        def compute_metrics(self, results):
            return {'mAP': 12.5, 'mAP_head': 1.0, 'mAP_medium': 2.0, 'mAP_tail': 3.0}

    FakeLT.default_prefix = 'lt'
    loader = dict(dataset=[dict(inputs=torch.tensor([float(i)])) for i in range(4)],
                  sampler=dict(type='DefaultSampler', shuffle=False), batch_size=2,
                  collate_fn=dict(type='default_collate'))
    runner = Runner(model=Toy(), work_dir=str(tmp_path / 'run'), test_dataloader=loader,
                    test_cfg=dict(), test_evaluator=FakeLT(),
                    default_hooks=dict(logger=dict(type='LoggerHook')),
                    env_cfg=dict(dist_cfg=dict(backend='gloo')),
                    experiment_name='toy')
    runner.test()
    rec, path = find_metrics(tmp_path / 'run')
    assert rec['lt/mAP'] == 12.5 and rec['lt/mAP_tail'] == 3.0
    assert path.parent.parent == tmp_path / 'run'


def test_reads_the_metric_per_class_table_and_skips_undefined_ap(tmp_path):
    run = tmp_path / 'run'
    run.mkdir()
    (run / 'metrics.json').write_text(json.dumps(_metrics(50.0, 60.0, 50.0, 40.0)))
    # As GroupAveragePrecision(out_dir=...) writes it; 'egg' has no test positive.
    (run / 'lt_per_class_ap.csv').write_text(
        'class_id,class_name,train_freq,group,test_positives,ap,score_protocol\n'
        '0,ball,500,head,30,70.5000,sigmoid\n1,egg,3,tail,0,,sigmoid\n')
    (result, ) = collect([run])
    assert result.per_class == [dict(cls='ball', ap=70.5, train_freq=500)]


# --- stale and corrupt metrics.json ---------------------------------------
def test_stale_metrics_json_is_warned_and_marked(work_dirs, tmp_path):
    import os
    run = work_dirs[0]
    ckpt = run / 'epoch_3.pth'
    ckpt.write_bytes(b'x')
    metrics = run / 'metrics.json'
    os.utime(metrics, (1000, 1000))
    os.utime(ckpt, (2000, 2000))
    with pytest.warns(UserWarning, match=rf'{metrics} is stale: it is older than '
                      r'epoch_3\.pth in the same work dir'):
        results = compare(work_dirs, tmp_path / 'out')
    assert results[0].stale and not results[1].stale
    table = (tmp_path / 'out' / 'comparison.md').read_text()
    assert '| LMPT (stale) | 60.00 |' in table and '| CoOp | 55.50 |' in table
    os.utime(metrics, (3000, 3000))  # tested after the checkpoint: fresh
    assert not collect(work_dirs)[0].stale


@pytest.mark.parametrize('content', ['{"lt/mAP": 5', '[1, 2]'])
def test_corrupt_metrics_json_names_its_path(tmp_path, content):
    run = tmp_path / 'run'
    run.mkdir()
    (run / 'metrics.json').write_text(content)
    with pytest.raises(ValueError, match=rf'{run / "metrics.json"} (is not valid JSON|'
                       'must hold a JSON object)'):
        find_metrics(run)
