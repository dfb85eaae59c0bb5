"""tools/benchmark.py end to end on the tiny CLIP (figures > 0; no timing targets)."""
import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CONFIG = '''
model = dict(
    type='ImageClassifier',
    backbone=dict(type='CLIPImageEncoder', arch='lmpt-tiny-vit'),
    head=dict(type='LMPTHead', arch='lmpt-tiny-vit', classes=['dog', 'cat', 'car', 'tree'],
              prompt_learner=dict(n_ctx=4), loss=dict(type='DistributionBalancedLoss'),
              cse_loss=dict(type='ClassSpecificEmbeddingLoss')),
    data_preprocessor=dict(type='ClsDataPreprocessor', mean=[122.77, 116.75, 104.09],
                           std=[68.5, 66.63, 70.32], to_rgb=True))
train_dataloader = dict(batch_size=4)
'''


def test_benchmark_writes_json(tmp_path):
    config = tmp_path / 'tiny_lmpt.py'
    config.write_text(CONFIG)
    out = tmp_path / 'bench.json'
    proc = subprocess.run(
        [sys.executable, 'tools/benchmark.py', str(config), '--device', 'cpu', '--json',
         str(out), '--iters', '2', '--run-epochs', '1', '--run-train-images', '8',
         '--run-test-images', '8', '--work-dir', str(tmp_path / 'work')],
        cwd=REPO, capture_output=True, text=True, timeout=600,
        env={'OMP_NUM_THREADS': '1', 'PATH': '/usr/bin:/bin'})
    assert proc.returncode == 0, proc.stderr[-3000:]
    res = json.loads(out.read_text())
    for key in ('train_speedup_cache', 'eval_ratio_vs_encoder', 'cse_memory_ratio',
                'train_images_per_s_uncached', 'train_images_per_s_cached',
                'eval_images_per_s_model', 'eval_images_per_s_encoder',
                'cse_peak_bytes_token', 'cse_peak_bytes_naive'):
        assert res[key] > 0, key
    assert res['train_speedup_cache'] == res['train_images_per_s_cached'] / res[
        'train_images_per_s_uncached']
    # analytic CPU figures at COCO-LT size: naive B*C*T*D floats dominate
    assert res['cse_peak_bytes_naive'] >= 64 * 80 * 75 * 512 * 4
    assert res['cse_memory_ratio'] > 20
    for run in ('uncached', 'cached'):
        assert res['whole_run'][run]['wall_s'] > 0
    assert 'training images/s, cached features' in proc.stdout
