"""The offline few-shot demo (``make fewshot-demo``): the multi-label few-shot protocol
of HP-DVAL's Table II on the offline world, for zero-shot CLIP, CoOp and HP-DVAL.

Every step runs the project's own tools in a subprocess, as a user would:
``tools/make_synthetic_lt.py`` and ``tools/pretrain_clip.py`` (both cached, shared with
``make demo``), ``tools/make_synthetic_fewshot.py`` (14 base / 6 novel classes, 10
episodes per K), then ``tools/fewshot.py`` per method (resumable per episode) and
``tools/compare.py`` on the per-K summaries. The configs in ``configs/offline/fewshot/``
expect the world in ``data/synthetic_lt`` and the small CLIP in
``work_dirs/demo/clip_synth.pt`` (their defaults, as ``make demo``).
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import List, Optional, Sequence

from .demo import DemoError, _run, make_world_and_clip

CONFIGS = 'configs/offline/fewshot'
METHODS = (('Zero-shot CLIP', 'zeroshot-clip_synth-vit_synth-fs'),
           ('CoOp', 'coop_synth-vit_synth-fs'),
           ('HP-DVAL', 'hpdval_synth-vit_synth-fs'))
DATA = Path('data/synthetic_lt')
CLIP = Path('work_dirs/demo/clip_synth.pt')


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--out-dir', default='work_dirs/fewshot_demo')
    p.add_argument('--shots', type=int, nargs='+', default=[1, 5])
    p.add_argument('--episodes', default='1-10')
    p.add_argument('--adapt-epochs', type=int, default=None,
                   help="adaptation epochs per episode (default: the configs' own, 5)")
    p.add_argument('--clip-steps', type=int, default=None,
                   help="small-CLIP pretraining steps (default: tools/pretrain_clip.py's)")
    return p.parse_args(argv)


def fewshot_table(out: Path, names: Sequence[str], stems: Sequence[str],
                  shots: Sequence[int]) -> str:
    """Markdown: novel mAP mean ± std (and CF1 / OF1) per method and K."""
    lines = ['| method | ' + ' | '.join(f'{k}-shot mAP' for k in shots)
             + ' | ' + ' | '.join(f'{k}-shot CF1 / OF1' for k in shots) + ' | episodes |',
             '|---|' + '---:|' * (2 * len(shots) + 1)]
    for name, stem in zip(names, stems):
        recs = [json.loads((out / stem / f'{k}shot' / 'metrics.json').read_text())
                for k in shots]
        maps = [f"{r['fewshot/mAP']:.2f} ± {r['fewshot/mAP_std']:.2f}" for r in recs]
        f1s = [f"{r['fewshot/CF1']:.1f} / {r['fewshot/OF1']:.1f}" for r in recs]
        lines.append(f'| {name} | ' + ' | '.join(maps + f1s)
                     + f" | {len(recs[0]['episodes'])} |")
    return '\n'.join(lines) + '\n'


def run_fewshot_demo(out_dir: Path, shots: Sequence[int] = (1, 5), episodes: str = '1-10',
                     adapt_epochs: Optional[int] = None, clip_steps: Optional[int] = None,
                     python: str = sys.executable) -> Path:
    """Run the whole few-shot demo; returns the path of ``fewshot.md``."""
    t0 = time.time()
    out_dir.mkdir(parents=True, exist_ok=True)
    logs = out_dir / 'logs'
    total = 3 + len(METHODS) + 1
    count = iter(range(1, total + 1))

    def header(text: str) -> str:
        step = f'[{next(count)}/{total}] {text}'
        print(f'{time.time() - t0:6.0f}s {step}', flush=True)
        return step

    make_world_and_clip(DATA, CLIP, clip_steps or None, header, logs, t0, python)
    step = header(f'few-shot split -> {DATA / "fewshot"}')
    _run([python, 'tools/make_synthetic_fewshot.py', '--world', str(DATA)],
         logs / 'make_synthetic_fewshot.log', step, t0)
    shot_args = [str(k) for k in shots]
    for name, stem in METHODS:
        step = header(f'{name}: tools/fewshot.py {CONFIGS}/{stem}.py')
        opts: List[str] = []
        if adapt_epochs is not None and 'zeroshot' not in stem:
            opts = ['--cfg-options', f'train_cfg.max_epochs={adapt_epochs}']
        _run([python, 'tools/fewshot.py', f'{CONFIGS}/{stem}.py', '--shots', *shot_args,
              '--episodes', episodes, '--work-dir', str(out_dir / stem), *opts],
             logs / f'{stem}.log', step, t0)
    header('comparison')
    dirs = [str(out_dir / stem / f'{k}shot') for _, stem in METHODS for k in shots]
    subprocess.run([python, 'tools/compare.py', *dirs, '--out-dir', str(out_dir),
                    '--title', 'offline world, multi-label few-shot (novel mAP)'],
                   check=True)
    table = fewshot_table(out_dir, [n for n, _ in METHODS], [s for _, s in METHODS],
                          shots)
    (out_dir / 'fewshot.md').write_text(table)
    print(table, flush=True)
    print(f'{time.time() - t0:6.0f}s done: {out_dir / "fewshot.md"}', flush=True)
    return out_dir / 'fewshot.md'


def main(argv=None) -> None:
    args = parse_args(argv)
    try:
        run_fewshot_demo(Path(args.out_dir), args.shots, args.episodes, args.adapt_epochs,
                         args.clip_steps)
    except DemoError as err:
        raise SystemExit(str(err))
