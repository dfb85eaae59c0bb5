"""Speed and memory benchmark: ``python tools/benchmark.py CONFIG --device {cpu,cuda}``.

Prints a table and writes JSON (``--json OUT``) with ``train_speedup_cache``,
``eval_ratio_vs_encoder``, ``cse_memory_ratio`` and the raw figures behind them
(see :mod:`lmpt_mm.cli.benchmark` and ``docs/benchmark.md``). Uses the config's
model (re-targeted with ``--arch`` / ``--random-weights``) on random images; the
whole-run figures train on a generated random-image world; the config-run figures
(``config_run``) train the config itself - its data, weights and schedule - with and
without the feature cache (``--loop-repeats N`` alternates N pairs, medians).
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
    parser.add_argument('--loop-repeats', type=positive_int, default=1,
                        help='repeat the uncached/cached pair; figures are medians')
    parser.add_argument('--work-dir', help='folder for the whole-run world and logs')
    parser.add_argument('--skip', nargs='*', default=[],
                        choices=['train', 'eval', 'cse', 'run', 'loop'],
                        help='parts to skip')
    return parser.parse_args(argv)


def main(argv=None) -> dict:
    args = parse_args(argv)
    if args.device == 'cuda' and not torch.cuda.is_available():
        raise SystemExit('--device cuda: no CUDA device is available')
    if args.amp and args.device != 'cuda':
        raise SystemExit('--amp needs --device cuda')
    register_all_modules(init_default_scope=True)
    cfg = Config.fromfile(args.config)
    model_cfg = bm.benchmark_model_cfg(cfg, args.arch, args.random_weights)
    batch_size = args.batch_size or (cfg.get('train_dataloader') or {}).get('batch_size', 64)
    probe = MODELS.build(model_cfg)
    size, classes = bm.image_size(probe), list(probe.head.classes)
    del probe
    results = dict(config=args.config, device=args.device,
                   device_name=bm.device_name(args.device), arch=model_cfg['backbone']['arch'],
                   batch_size=batch_size, iters=args.iters, image_size=size,
                   num_classes=len(classes), amp=args.amp, torch=torch.__version__)
    batches = bm.synthetic_batches(min(args.iters, 4), batch_size, size, classes)
    if 'train' not in args.skip:
        results.update(bm.train_throughput(model_cfg, batches, args.iters, args.device,
                                           args.amp))
    if 'eval' not in args.skip:
        results.update(bm.eval_throughput(model_cfg, batches, args.iters, args.device,
                                          args.amp))
    if 'cse' not in args.skip:
        results.update(bm.cse_memory(args.device, **bm.COCO_LT_CSE_SIZE))
    if 'run' not in args.skip and args.run_epochs > 0:
        work = args.work_dir or tempfile.mkdtemp(prefix='lmpt_benchmark_')
        world = bm.write_random_world(osp.join(work, 'world'), classes,
                                      args.run_train_images, args.run_test_images, size)
        runs = dict(epochs=args.run_epochs, train_images=args.run_train_images,
                    test_images=args.run_test_images)
        for name, cache in (('uncached', False), ('cached', True)):
            run_cfg = bm.whole_run_cfg(cfg, model_cfg, world, osp.join(work, name), size,
                                       args.run_epochs, batch_size, cache, args.device)
            if args.amp:
                run_cfg.optim_wrapper.type = 'AmpOptimWrapper'
            runs[name] = bm.whole_run(run_cfg)
        runs['speedup'] = runs['uncached']['wall_s'] / runs['cached']['wall_s']
        runs['mAP_difference'] = runs['cached']['mAP'] - runs['uncached']['mAP']
        results['whole_run'] = runs
    if 'loop' not in args.skip:
        if args.arch or args.random_weights:
            results['config_run'] = dict(skipped='--arch / --random-weights: the config '
                                         'run trains the config with its own weights')
        else:
            results['config_run'] = bm.config_runs(
                cfg, args.device, args.work_dir or tempfile.mkdtemp(prefix='lmpt_bench_'),
                args.loop_epochs, args.loop_repeats, args.amp)
    print(bm.format_table(results))
    if args.json:
        os.makedirs(osp.dirname(osp.abspath(args.json)), exist_ok=True)
        with open(args.json, 'w') as f:
            json.dump(results, f, indent=2)
    return results


if __name__ == '__main__':
    main()
