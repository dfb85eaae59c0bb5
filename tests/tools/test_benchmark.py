"""tools/benchmark.py end to end on the tiny CLIP (figures > 0; no timing targets)."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO / 'tests' / 'fixtures' / 'tiny_lmpt_lt.py'
# The tiny LMPT model as a plain ImageClassifier, with no train data (only the parts
# that run on random batches).
CONFIG = f'''
_base_ = ['{FIXTURE}']
model = dict(type='ImageClassifier')
train_dataloader = dict(_delete_=True, batch_size=4)
'''


def run_benchmark(config: Path, *args: str) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, 'tools/benchmark.py', str(config), *args],
                          cwd=REPO, capture_output=True, text=True, timeout=600,
                          env={'OMP_NUM_THREADS': '1', 'PATH': '/usr/bin:/bin'})
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


def test_benchmark_writes_json(tmp_path):
    config = tmp_path / 'tiny_lmpt.py'
    config.write_text(CONFIG)
    out = tmp_path / 'bench.json'
    proc = run_benchmark(config, '--device', 'cpu', '--json', str(out), '--iters', '2',
                         '--run-epochs', '1', '--run-train-images', '8',
                         '--run-test-images', '8', '--work-dir', str(tmp_path / 'work'))
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
    assert 'train_dataloader.dataset' in res['config_run']['skipped']


CONFIG_RUN = '''
_base_ = ['{fixture}']
train_dataloader = dict(dataset=dict(data_root='{root}'))
test_dataloader = dict(dataset=dict(data_root='{root}'))
val_dataloader = test_dataloader
'''


def test_benchmark_times_the_configs_own_training(tmp_path, tiny_lt_world):
    config = tmp_path / 'tiny_lmpt_world.py'
    config.write_text(CONFIG_RUN.format(fixture=FIXTURE, root=tiny_lt_world))
    out = tmp_path / 'bench.json'
    proc = run_benchmark(config, '--json', str(out), '--skip', 'train', 'eval', 'cse',
                         'run', '--loop-repeats', '2', '--work-dir', str(tmp_path / 'work'))
    runs = json.loads(out.read_text())['config_run']
    for name in ('uncached', 'cached'):
        assert len(runs[name]['epoch_s']) == 3  # the config's schedule, no validation
        assert runs[name]['train_images_per_s'] > 0 and 0 <= runs[name]['mAP'] <= 100
        speeds = runs[name]['train_images_per_s_repeats']
        assert len(speeds) == 2 and runs[name]['train_images_per_s'] == pytest.approx(
            sum(speeds) / 2)  # the median of two
    assert len(runs['train_speedup_repeats']) == 2
    assert runs['train_speedup_cache'] == pytest.approx(
        runs['cached']['train_images_per_s'] / runs['uncached']['train_images_per_s'])
    assert runs['mAP_difference'] == pytest.approx(
        runs['cached']['mAP'] - runs['uncached']['mAP'])
    assert list((tmp_path / 'work' / 'config_cached' / 'feature_cache').glob('*.pt'))
    assert not (tmp_path / 'work' / 'config_uncached' / 'feature_cache').exists()
    assert 'cache speed-up, config training' in proc.stdout


def test_loop_repeats_must_be_positive(tmp_path):
    proc = subprocess.run([sys.executable, 'tools/benchmark.py', str(FIXTURE),
                           '--loop-repeats', '0'], cwd=REPO, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 2
    assert '--loop-repeats: must be >= 1, got 0' in proc.stderr
