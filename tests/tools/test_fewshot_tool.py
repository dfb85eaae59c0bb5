"""tools/fewshot.py end to end on the tiny world: base training, one 1-shot episode
(adapt + evaluate), the per-episode CSV, the summary tools/compare.py reads, resuming."""
import csv
import json
import math
import subprocess
import sys
from pathlib import Path

from lmpt_mm.cli.compare import collect
from lmpt_mm.synthetic.fewshot_world import generate_fewshot_split

REPO = Path(__file__).resolve().parents[2]


def run(args, cwd=REPO):
    proc = subprocess.run([sys.executable, 'tools/fewshot.py', *args], cwd=cwd,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout + proc.stderr


def test_fewshot_tool_end_to_end(tiny_lt_world, tmp_path):
    split = tmp_path / 'fewshot'
    generate_fewshot_split(tiny_lt_world, split, novel=('cat', 'tree'), shots=(1, ),
                           episodes=1, train_list='train.txt', test_list='test.txt')
    work = tmp_path / 'work'
    data = [f'{loader}.dataset.{key}={value}' for loader in ('train_dataloader',
                                                            'test_dataloader')
            for key, value in (('data_root', tiny_lt_world), ('ann_dir', split))]
    args = ['tests/fixtures/tiny_fewshot_coop.py', '--shots', '1', '--episodes', '1',
            '--work-dir', str(work), '--cfg-options', *data, '--base-cfg-options',
            *data[:2]]
    run(args)

    base_ckpt = work / 'base' / 'tiny_fewshot_base' / 'epoch_1.pth'
    assert base_ckpt.is_file()
    with open(work / '1shot' / 'episodes.csv', newline='') as f:
        rows = list(csv.DictReader(f))
    assert [(r['shots'], r['episode']) for r in rows] == [('1', '1')]
    row = rows[0]
    for col in ('mAP', 'CP', 'CR', 'CF1', 'OP', 'OR', 'OF1'):
        assert 0.0 <= float(row[col]) <= 100.0 and math.isfinite(float(row[col]))
    # the image encoder was adapted, prompts and text encoder were not
    assert row['adapted'].startswith('backbone:') and 'head' not in row['adapted']
    assert int(row['support_images']) >= 1
    metrics = json.loads((work / '1shot' / 'metrics.json').read_text())
    assert metrics['lt/mAP'] == float(row['mAP']) and metrics['fewshot/mAP_std'] == 0.0
    assert metrics['episodes'] == [1]
    result = collect([work / '1shot'])[0]
    assert result.method == 'Tiny CoOp (1-shot)'
    assert result.metrics['lt/mAP'] == float(row['mAP'])
    assert 'Tiny CoOp (1-shot) | 1 | 1 |' in (work / 'summary.md').read_text()

    # Resuming: the base stage and the finished episode are not run again.
    out = run(args)
    assert 'base stage tiny_fewshot_base already trained' in out
    assert '1-shot episode 1 done' in out
    with open(work / '1shot' / 'episodes.csv', newline='') as f:
        assert list(csv.DictReader(f)) == rows
