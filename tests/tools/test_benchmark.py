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
                          env={'OMP_NUM_THREADS': '1', 'PATH': '/usr/bin:/bin',
                               'PYTHONPATH': str(REPO)})  # this checkout's lmpt_mm
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


def test_benchmark_writes_json(tmp_path):
    config = tmp_path / 'tiny_lmpt.py'
    config.write_text(CONFIG)
    out = tmp_path / 'bench.json'
    proc = run_benchmark(config, '--device', 'cpu', '--json', str(out), '--iters', '2',
                         '--repeats', '2', '--run-epochs', '1', '--run-train-images', '8',
                         '--run-test-images', '8', '--work-dir', str(tmp_path / 'work'),
                         '--threads', '1')
    res = json.loads(out.read_text())
    for key in ('train_speedup_cache', 'eval_ratio_vs_encoder', 'cse_memory_ratio',
                'train_images_per_s_uncached', 'train_images_per_s_cached',
                'eval_images_per_s_model', 'eval_images_per_s_encoder',
                'cse_peak_bytes_token', 'cse_peak_bytes_naive', 'irreducible_ms',
                'model_step_overhead', 'cached_step_overhead', 'flops_image_per_step',
                'flops_text_per_step', 'cache_speedup_limit'):
        assert res[key] > 0, key
    # every timed figure: the median of the alternating repeats, which are kept
    for key in ('train_images_per_s_cached', 'train_speedup_cache', 'irreducible_ms',
                'model_step_overhead', 'eval_ratio_vs_encoder'):
        assert len(res[key + '_repeats']) == 2
        assert res[key] == pytest.approx(sum(res[key + '_repeats']) / 2), key
    assert res['train_speedup_cache_repeats'] == pytest.approx(
        [u / c for u, c in zip(res['train_s_uncached_repeats'],
                               res['train_s_cached_repeats'])])
    # no config run here: the headline overhead comes from the model steps
    assert res['cached_step_overhead_source'] == 'model_steps'
    assert res['cached_step_overhead'] == res['model_step_overhead']
    assert res['flops_batch_size'] == 4 and res['num_prompts'] == 4
    # analytic CPU figures at COCO-LT size: naive B*C*T*D floats dominate
    assert res['cse_peak_bytes_naive'] >= 64 * 80 * 75 * 512 * 4
    assert res['cse_memory_ratio'] > 20
    for run in ('uncached', 'cached'):
        assert len(res['whole_run'][run]['wall_s_repeats']) == 2
    assert set(res['text_encoder']['variants']) >= {'default', 'mha_blocks'}
    assert 'training images/s, cached features' in proc.stdout
    assert '(min-max over the alternating repeats)' in proc.stdout
    assert 'train_dataloader.dataset' in res['config_run']['skipped']
    assert res['nproc'] >= 1 and len(res['load_average']) == 3


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
                         'run', 'text', 'flops', '--repeats', '2', '--loop-epochs', '4',
                         '--work-dir', str(tmp_path / 'work'))
    res = json.loads(out.read_text())
    runs = res['config_run']
    for name in ('uncached', 'cached'):
        speeds = runs[name]['train_images_per_s_repeats']
        assert len(speeds) == 2 and runs[name]['train_images_per_s'] == pytest.approx(
            sum(speeds) / 2)  # the median of two
        assert 0 <= runs[name]['mAP'] <= 100
    assert len(runs['uncached']['epoch_s']) == 4  # the schedule, no validation
    # the last cached run profiles its last epoch, which its timings leave out
    assert len(runs['cached']['epoch_s']) == 3
    # irreducible timings alternate with the epochs; the first epoch is warm-up
    assert len(runs['cached']['cached_step_overhead_epochs']) == 2
    parts = runs['cached']['overhead_ms']
    for key in ('irreducible', 'data', 'data_preprocessor', 'loss_inputs',
                'optimizer_step', 'hooks'):
        assert parts[key] > 0, key
    assert sum(v for k, v in parts.items() if not k.startswith('hook:')) == pytest.approx(
        runs['cached']['profiled_step_ms'])
    assert len(runs['train_speedup_cache_repeats']) == 2
    assert len(runs['cached_step_overhead_repeats']) == 2
    assert res['cached_step_overhead'] == runs['cached_step_overhead'] > 0
    assert res['cached_step_overhead_source'] == 'config_run'
    assert runs['mAP_difference'] == pytest.approx(
        runs['cached']['mAP'] - runs['uncached']['mAP'])
    assert list((tmp_path / 'work' / 'config_cached' / 'feature_cache').glob('*.pt'))
    assert not (tmp_path / 'work' / 'config_uncached' / 'feature_cache').exists()
    assert 'cache speed-up, config training' in proc.stdout
    assert 'cached_step_overhead (x, 1.0 = the limit)' in proc.stdout
    assert 'cached iteration by component' in proc.stdout


def test_loop_repeats_must_be_positive(tmp_path):
    proc = subprocess.run([sys.executable, 'tools/benchmark.py', str(FIXTURE),
                           '--loop-repeats', '0'], cwd=REPO, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 2
    assert '--loop-repeats: must be >= 1, got 0' in proc.stderr
