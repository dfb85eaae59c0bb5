"""Speed and memory benchmark: ``python tools/benchmark.py CONFIG --device {cpu,cuda}``.

Prints a table and writes JSON (``--json OUT``) with ``train_speedup_cache``,
``eval_ratio_vs_encoder``, ``cse_memory_ratio``, ``cached_step_overhead`` (cached
step time over its irreducible cost: 1.0 is the limit), the FLOP split
(``flops_image_per_step``, ``flops_text_per_step``, ``cache_speedup_limit``) and the
raw figures behind them (see :mod:`lmpt_mm.cli.benchmark` and
``docs/benchmark.md``). Every timed figure is the median of ``--repeats``
alternating repeats, with the repeats beside it. Uses the config's model
(re-targeted with ``--arch`` / ``--random-weights``) on random images; the
whole-run figures train on a generated random-image world; the config-run figures
(``config_run``) train the config itself - its data, weights and schedule - with and
without the feature cache.
"""
import argparse
import json
import os
import os.path as osp
import tempfile

import torch
from mmengine.config import Config
from mmpretrain.registry import MODELS
from mmpretrain.utils import register_all_modules

import lmpt_mm  # noqa: F401  (registers lmpt_mm components)
from lmpt_mm.cli import benchmark as bm
from lmpt_mm.cli.entry import tool_entry_point
from lmpt_mm.synthetic.random_world import write_random_world


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f'must be >= 1, got {value}')
    return value


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='lmpt_mm speed/memory benchmark')
    parser.add_argument('config', help='config file with a CLIP prompt model')
    parser.add_argument('--device', choices=['cpu', 'cuda'], default='cpu')
    parser.add_argument('--json', help='write the results to this JSON file')
    parser.add_argument('--iters', type=int, default=10, help='timed steps per figure')
    parser.add_argument('--batch-size', type=int, default=None,
                        help="default: the config's train batch size")
    parser.add_argument('--arch', help='override the CLIP architecture (e.g. ViT-B-16)')
    parser.add_argument('--random-weights', action='store_true',
                        help='random CLIP weights (pretrained=None): speed only')
    parser.add_argument('--amp', action='store_true', help='mixed precision (CUDA only)')
    parser.add_argument('--run-epochs', type=int, default=3,
                        help='epochs of the whole-run timing (0: skip it)')
    parser.add_argument('--run-train-images', type=int, default=256)
    parser.add_argument('--run-test-images', type=int, default=128)
    parser.add_argument('--loop-epochs', type=int, default=None,
                        help="epochs of the config's own training run, timed with and "
                        "without the cache (default: the config's schedule)")
    parser.add_argument('--repeats', type=positive_int, default=3,
                        help='alternating repeats of every timed figure (medians)')
    parser.add_argument('--loop-repeats', type=positive_int, default=None,
                        help='repeats of the uncached/cached config-run pair '
                        '(default: --repeats)')
    parser.add_argument('--threads', type=positive_int, default=None,
                        help="torch CPU threads (default: torch's choice); 1 is steadier "
                        'on a machine shared with other work')
    parser.add_argument('--text-variants', nargs='+', default=None,
                        choices=list(bm.text_speed.VARIANTS),
                        help='text encoder paths to time (default: all but compiled)')
    parser.add_argument('--compile', action='store_true',
                        help='also time the text encoder under torch.compile')
    parser.add_argument('--work-dir', help='folder for the whole-run world and logs')
    parser.add_argument('--skip', nargs='*', default=[],
                        choices=['train', 'eval', 'cse', 'run', 'loop', 'text',
                                 'flops'],
                        help='parts to skip')
    return parser.parse_args(argv)


def main(argv=None) -> dict:
    args = parse_args(argv)
    if args.device == 'cuda' and not torch.cuda.is_available():
        raise SystemExit('--device cuda: no CUDA device is available')
    if args.amp and args.device != 'cuda':
        raise SystemExit('--amp needs --device cuda')
    if args.threads:
        torch.set_num_threads(args.threads)
    register_all_modules(init_default_scope=True)
    cfg = Config.fromfile(args.config)
    model_cfg = bm.benchmark_model_cfg(cfg, args.arch, args.random_weights)
    batch_size = args.batch_size or (cfg.get('train_dataloader') or {}).get('batch_size', 64)
    probe = MODELS.build(model_cfg)
    size, classes = bm.image_size(probe), list(probe.head.classes)
    del probe
    results = dict(config=args.config, device=args.device,
                   device_name=bm.device_name(args.device), arch=model_cfg['backbone']['arch'],
                   batch_size=batch_size, iters=args.iters, repeats=args.repeats,
                   image_size=size, num_classes=len(classes), amp=args.amp,
                   torch=torch.__version__, nproc=os.cpu_count(),
                   load_average=[round(v, 2) for v in os.getloadavg()])
    batches = bm.synthetic_batches(min(args.iters, 4), batch_size, size, classes)
    if 'flops' not in args.skip:  # at the config's batch size, whatever --batch-size
        config_batch = (cfg.get('train_dataloader') or {}).get('batch_size') or batch_size
        model = bm.build_model(model_cfg, batches, 'cpu')
        results.update(bm.flop_split(model, bm.synthetic_batches(1, config_batch, size,
                                                                 classes)[0]))
        del model
    if 'train' not in args.skip:
        results.update(bm.train_throughput(model_cfg, batches, args.iters, args.device,
                                           args.amp, args.repeats))
    if 'text' not in args.skip:
        model = bm.build_model(model_cfg, batches, args.device)
        if hasattr(model.head, 'prompt_learner'):
            variants = list(args.text_variants or bm.text_speed.VARIANTS[:-1])
            if args.compile and 'compiled' not in variants:
                variants.append('compiled')
            results['text_encoder'] = bm.text_encoder_speed(
                model.head, args.iters, args.device, args.repeats, variants)
        del model
    if 'eval' not in args.skip:
        results.update(bm.eval_throughput(model_cfg, batches, args.iters, args.device,
                                          args.amp, args.repeats))
    if 'cse' not in args.skip:
        results.update(bm.cse_memory(args.device, **bm.COCO_LT_CSE_SIZE))
    if 'run' not in args.skip and args.run_epochs > 0:
        work = args.work_dir or tempfile.mkdtemp(prefix='lmpt_benchmark_')
        world = write_random_world(osp.join(work, 'world'), classes,
                                   args.run_train_images, args.run_test_images, size)
        runs = dict(epochs=args.run_epochs, train_images=args.run_train_images,
                    test_images=args.run_test_images)
        runs.update(bm.whole_runs(cfg, model_cfg, str(world), work, size, args.run_epochs,
                                  batch_size, args.device, args.amp, args.repeats))
        results['whole_run'] = runs
    if 'loop' not in args.skip:
        if args.arch or args.random_weights:
            results['config_run'] = dict(skipped='--arch / --random-weights: the config '
                                         'run trains the config with its own weights')
        else:
            results['config_run'] = bm.config_runs(
                cfg, args.device, args.work_dir or tempfile.mkdtemp(prefix='lmpt_bench_'),
                args.loop_epochs, args.loop_repeats or args.repeats, args.amp)
    results.update(bm.headline_overhead(results))
    print(bm.format_table(results))
    if args.json:
        os.makedirs(osp.dirname(osp.abspath(args.json)), exist_ok=True)
        with open(args.json, 'w') as f:
            json.dump(results, f, indent=2)
    return results


if __name__ == '__main__':
    tool_entry_point(main)
