"""The benchmark's printed table: every timed figure as median (min-max, n repeats)."""
from typing import Any, Dict, List, Optional, Tuple

ROWS: List[Tuple[str, str, str]] = [
    ('training images/s, uncached', 'train_images_per_s_uncached', '{:.1f}'),
    ('training images/s, cached features', 'train_images_per_s_cached', '{:.1f}'),
    ('  cache speed-up (x)', 'train_speedup_cache', '{:.2f}'),
    ('  one-off encoding of the batches (s)', 'cache_build_s', '{:.2f}'),
    ('model step on cached features (ms)', 'model_step_ms', '{:.2f}'),
    ('irreducible cost: text fwd+bwd, logits, losses (ms)', 'irreducible_ms', '{:.2f}'),
    ('  model-step overhead (x)', 'model_step_overhead', '{:.2f}'),
    ('eval images/s, bare image encoder', 'eval_images_per_s_encoder', '{:.1f}'),
    ('eval images/s, full model', 'eval_images_per_s_model', '{:.1f}'),
    ('  ratio vs encoder', 'eval_ratio_vs_encoder', '{:.3f}'),
    ('CSE token mode peak (MiB)', 'cse_peak_bytes_token', 'MiB'),
    ('CSE naive broadcast peak (MiB)', 'cse_peak_bytes_naive', 'MiB'),
    ('  memory ratio (x)', 'cse_memory_ratio', '{:.1f}'),
    ('GFLOPs per step, image side (cache removes)', 'flops_image_per_step', 'G'),
    ('GFLOPs per step, text side (irreducible)', 'flops_text_per_step', 'G'),
    ('  speed-up the limit allows (x)', 'cache_speedup_limit', '{:.2f}'),
]
WIDTH = 52


def _text(value: float, fmt: str) -> str:
    if fmt == 'MiB':
        return f'{value / 2**20:.1f}'
    if fmt == 'G':
        return f'{value / 1e9:.3f}'
    return fmt.format(value)


def row(label: str, source: Dict[str, Any], key: str, fmt: str,
        extra: str = '') -> Optional[str]:
    """``label  median  (min-max, n=N)`` when ``source[key + '_repeats']`` exists."""
    if key not in source:
        return None
    line = f'{label:<{WIDTH}}{_text(source[key], fmt):>12}'
    values = source.get(key + '_repeats')
    if values:
        line += (f'   ({_text(min(values), fmt)}-{_text(max(values), fmt)}, '
                 f'n={len(values)})')
    return line + extra


def format_table(results: Dict[str, Any]) -> str:
    lines = [f"device: {results.get('device_name')}  arch: {results.get('arch')}  "
             f"batch: {results.get('batch_size')}  classes: {results.get('num_classes')}  "
             f"iters: {results.get('iters')}  repeats: {results.get('repeats')}  "
             f"load: {results.get('load_average')}",
             f"{'figure':<{WIDTH}}{'median':>12}   (min-max over the alternating repeats)"]
    lines += [r for label, key, fmt in ROWS if (r := row(label, results, key, fmt))]
    loop = results.get('config_run') or {}
    for name in ('uncached', 'cached'):
        if name in loop:
            lines.append(row(f'config training images/s, {name}', loop[name],
                             'train_images_per_s', '{:.1f}',
                             f"   final mAP {loop[name]['mAP']:.2f}"))
    for label, key, fmt in (
            ('  cache speed-up, config training (x)', 'train_speedup_cache', '{:.2f}'),
            ('config cached step, runner iteration (ms)', 'cached_step_ms', '{:.2f}'),
            ('  irreducible cost between epochs (ms)', 'irreducible_ms', '{:.2f}'),
            ('  cached_step_overhead (x, 1.0 = the limit)', 'cached_step_overhead',
             '{:.2f}')):
        if (r := row(label, loop, key, fmt)):
            lines.append(r)
    components = (loop.get('cached') or {}).get('overhead_ms')
    if components:
        lines.append('  cached iteration by component, ms (last cached run, profiled '
                     'epoch): ' + ', '.join(f'{k} {v:.3f}' for k, v in components.items()
                                            if not k.startswith('hook:')))
        hooks = [f'{k[5:]} {v:.3f}' for k, v in components.items() if k.startswith('hook:')]
        if hooks:
            lines.append('    hooks: ' + ', '.join(hooks))
    if 'skipped' in loop:
        lines.append(f"config training: skipped ({loop['skipped']})")
    whole = results.get('whole_run') or {}
    for name in ('uncached', 'cached'):
        if isinstance(whole.get(name), dict):
            lines.append(row(f'whole run, {name} (s)', whole[name], 'wall_s', '{:.1f}',
                             f"   final mAP {whole[name]['mAP']:.2f}"))
    if (r := row('  whole-run speed-up (x)', whole, 'speedup', '{:.2f}')):
        lines.append(r)
    if 'skipped' in (results.get('text_encoder') or {}):
        lines.append(f"text encoder: skipped ({results['text_encoder']['skipped']})")
    for name, speed in (results.get('text_encoder') or {}).get('variants', {}).items():
        if isinstance(speed, dict) and 'ms' in speed:
            lines.append(row(f'text encoder fwd+bwd, {name} (ms)', speed, 'ms', '{:.3f}',
                             f"   max rel. diff {speed.get('max_rel_diff', 0.0):.1e}"))
    return '\n'.join(lines)
