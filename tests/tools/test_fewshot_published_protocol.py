"""tools/fewshot.py --protocol published end to end on the tiny world (in process, the
evaluation epochs shortened to the tiny schedule): the adaptation evaluates the novel
test set after each evaluation epoch and the episode keeps the best, labelled."""
import csv
import json

from lmpt_mm.cli import fewshot
from lmpt_mm.synthetic.fewshot_world import generate_fewshot_split


def test_published_protocol_keeps_the_best_evaluation(tiny_lt_world, tmp_path,
                                                      monkeypatch):
    monkeypatch.setattr(fewshot, 'PUBLISHED_EVAL_EPOCHS', (1, 2))
    split = tmp_path / 'fewshot'
    generate_fewshot_split(tiny_lt_world, split, novel=('cat', 'tree'), shots=(1, ),
                           episodes=1, train_list='train.txt', test_list='test.txt')
    work = tmp_path / 'work'
    data = [f'{loader}.dataset.{key}={value}' for loader in ('train_dataloader',
                                                            'test_dataloader')
            for key, value in (('data_root', tiny_lt_world), ('ann_dir', split))]
    args = fewshot.parse_args([
        'tests/fixtures/tiny_fewshot_coop.py', '--shots', '1', '--episodes', '1',
        '--protocol', 'published', '--work-dir', str(work), '--cfg-options', *data,
        '--base-cfg-options', *data[:2]])
    fewshot.run_fewshot(args)

    evaluations = [json.loads(line) for line in (
        work / '1shot' / 'episode_01' / 'evaluations.jsonl').read_text().splitlines()]
    assert [e['epoch'] for e in evaluations] == [1, 2]
    best = max(evaluations, key=lambda e: e['metrics']['fewshot/mAP'])
    with open(work / '1shot' / 'episodes.csv', newline='') as f:
        row, = list(csv.DictReader(f))
    assert float(row['mAP']) == best['metrics']['fewshot/mAP']
    assert row['protocol'] == 'published'
    assert row['evaluated'] == f"best of test evaluations: epoch {best['epoch']}"
    metrics = json.loads((work / '1shot' / 'metrics.json').read_text())
    assert metrics['evaluation'] == 'published'
    assert '| published |' in (work / 'summary.md').read_text()
