"""Contrastive pretraining of the offline world's small CLIP.

    python tools/pretrain_clip.py --data data/synthetic_lt \
        --out work_dirs/demo/clip_synth.pt --arch lmpt-synth-vit --steps 1000

Writes a plain open_clip state_dict (load it with ``pretrained=<path>``) and
``<out>.json`` (arguments, data hash, zero-shot mAP on the synthetic test split).
Skips the run when that record matches the arguments; ``--force`` retrains.
"""
import argparse

from lmpt_mm.cli.entry import tool_entry_point
from lmpt_mm.synthetic.pretrain import PretrainConfig, pretrain_clip


def parse_args(argv=None):
    d = PretrainConfig()
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--data', default='data/synthetic_lt', help='output of make_synthetic_lt')
    p.add_argument('--out', default='work_dirs/demo/clip_synth.pt', help='checkpoint path')
    p.add_argument('--arch', default=d.arch, help='open_clip model name')
    p.add_argument('--steps', type=int, default=d.steps)
    p.add_argument('--batch-size', type=int, default=d.batch_size)
    p.add_argument('--lr', type=float, default=d.lr)
    p.add_argument('--weight-decay', type=float, default=d.weight_decay)
    p.add_argument('--warmup-steps', type=int, default=d.warmup_steps)
    p.add_argument('--seed', type=int, default=d.seed)
    p.add_argument('--threads', type=int, default=None,
                   help='torch threads (default: torch\'s choice, one per core)')
    p.add_argument('--eval-every', type=int, default=0,
                   help='also report zero-shot mAP every N steps')
    p.add_argument('--template', default=d.template, help='zero-shot prompt')
    p.add_argument('--force', action='store_true', help='retrain even if up to date')
    p.add_argument('--no-progress', action='store_true')
    return p.parse_args(argv)


def main(argv=None):
    a = parse_args(argv)
    cfg = PretrainConfig(arch=a.arch, steps=a.steps, batch_size=a.batch_size, lr=a.lr,
                         weight_decay=a.weight_decay, warmup_steps=a.warmup_steps,
                         seed=a.seed, threads=a.threads, eval_every=a.eval_every,
                         template=a.template)
    pretrain_clip(a.data, a.out, cfg, force=a.force, progress=not a.no_progress)


if __name__ == '__main__':
    tool_entry_point(main)
