"""Contrastive pretraining of a small open_clip model on the offline world's corpus.

Model: ``open_clip.create_model(arch)`` (e.g. ``lmpt-synth-vit``, a config in
``lmpt_mm/models/clip/model_configs``); loss: open_clip's ``ClipLoss``, the symmetric
InfoNCE ``(CE(s * I T^T, diag) + CE(s * T I^T, diag)) / 2`` over the batch.

The checkpoint is a plain ``model.state_dict()``, so it loads wherever real CLIP
weights do: ``open_clip.create_model(arch, pretrained=<path>)`` and the prompt-tuning
configs' ``pretrained=<path>``. A JSON sidecar (``<checkpoint>.json``) records the
arguments, the data hash, the checkpoint's sha256 and the zero-shot result; a run
whose sidecar matches is skipped.
"""
from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np
import torch

from lmpt_mm.datasets.lt_annotations import read_label_file
from lmpt_mm.utils.hashing import file_sha256
from .data import load_images, read_label_list, read_pairs, to_model_input
from .zeroshot import DEFAULT_TEMPLATE, mean_average_precision, zero_shot_scores


@dataclass
class PretrainConfig:
    arch: str = 'lmpt-synth-vit'
    steps: int = 1000
    batch_size: int = 128
    lr: float = 2e-3
    weight_decay: float = 0.1
    warmup_steps: int = 30
    seed: int = 0
    #: torch intra-op threads; None keeps torch's default (one per physical core)
    threads: Optional[int] = None
    #: evaluate zero-shot mAP every N steps as well as at the end (0: end only)
    eval_every: int = 0
    template: str = DEFAULT_TEMPLATE

    def cache_key(self) -> dict:
        """What decides the weights (threads and logging do not)."""
        d = dataclasses.asdict(self)
        d.pop('threads')
        d.pop('eval_every')
        return d


def sidecar_path(checkpoint: str | Path) -> Path:
    return Path(str(checkpoint) + '.json')


def data_hash(data_root: str | Path) -> str:
    """sha256 over the files that decide the corpus and the test split.

    The generator renders images deterministically from ``world.json``'s config, so
    the list files and that record stand for the pixels.
    """
    root = Path(data_root)
    h = hashlib.sha256()
    for name in ('world.json', 'labels.txt', 'pretrain_corpus.txt', 'lt_test.txt'):
        p = root / name
        if p.is_file():
            h.update(name.encode() + b'\0' + p.read_bytes())
    return h.hexdigest()


def cached_result(checkpoint: str | Path, cfg: PretrainConfig, dhash: str) -> Optional[dict]:
    """The sidecar record if ``checkpoint`` is up to date for these arguments."""
    ckpt, side = Path(checkpoint), sidecar_path(checkpoint)
    if not (ckpt.is_file() and side.is_file()):
        return None
    try:
        rec = json.loads(side.read_text())
    except json.JSONDecodeError:
        return None
    if (rec.get('config') != cfg.cache_key() or rec.get('data_hash') != dhash
            or rec.get('checkpoint_sha256') != file_sha256(ckpt)):
        return None
    return rec


def _lr_at(step: int, cfg: PretrainConfig) -> float:
    """Linear warm-up then cosine decay to 10% of ``lr``."""
    if step < cfg.warmup_steps:
        return cfg.lr * (step + 1) / cfg.warmup_steps
    t = (step - cfg.warmup_steps) / max(1, cfg.steps - cfg.warmup_steps)
    return cfg.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * t)))


def evaluate_zero_shot(model, tokenizer, data_root: str | Path, test_images=None,
                       template: str = DEFAULT_TEMPLATE, progress: bool = False) -> dict:
    """Zero-shot mAP on ``lt_test.txt`` (see :mod:`.zeroshot`)."""
    root = Path(data_root)
    names = read_label_file(root / 'labels.txt')
    rels, labels = read_label_list(root / 'lt_test.txt', len(names))
    if test_images is None:
        test_images = load_images(root, rels, progress, 'test images')
    scores = zero_shot_scores(model, tokenizer, test_images, names, template)
    return mean_average_precision(scores, labels)


def pretrain_clip(data_root: str | Path, checkpoint: str | Path,
                  cfg: Optional[PretrainConfig] = None, *, force: bool = False,
                  progress: bool = True, log=None) -> dict:
    """Train, save ``checkpoint`` + sidecar, and return the sidecar record."""
    import open_clip

    import lmpt_mm.models.clip  # noqa: F401  registers lmpt_mm's model configs

    log = log or functools.partial(print, flush=True)
    cfg = cfg or PretrainConfig()
    root = Path(data_root)
    dhash = data_hash(root)
    if not (root / 'pretrain_corpus.txt').is_file():
        raise FileNotFoundError(f'{root / "pretrain_corpus.txt"} not found; run '
                                f'tools/make_synthetic_lt.py --out {root} first')
    if not force and (rec := cached_result(checkpoint, cfg, dhash)) is not None:
        log(f'[pretrain_clip] {checkpoint} is up to date ({cfg.arch}, {cfg.steps} steps, '
            f'zero-shot mAP {rec["zero_shot"]["mAP"]:.2f}); skipped. Use --force to retrain.')
        return rec
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.seed)
    model = open_clip.create_model(cfg.arch)
    tokenizer = open_clip.get_tokenizer(cfg.arch)
    model.train()

    pairs = read_pairs(root / 'pretrain_corpus.txt')
    rels = sorted({r for r, _ in pairs})
    index = {r: i for i, r in enumerate(rels)}
    images = load_images(root, rels, progress, 'corpus images')
    pair_img = torch.tensor([index[r] for r, _ in pairs])
    tokens = tokenizer([c for _, c in pairs])  # (P, context_length)
    names = read_label_file(root / 'labels.txt')
    test_rels, test_labels = read_label_list(root / 'lt_test.txt', len(names))
    test_images = load_images(root, test_rels, progress, 'test images')
    log(f'[pretrain_clip] {cfg.arch}: {sum(p.numel() for p in model.parameters()):,} '
        f'parameters; corpus {len(pairs)} captions of {len(rels)} images; '
        f'{cfg.steps} steps of batch {cfg.batch_size}, {torch.get_num_threads()} threads')

    decay = [p for p in model.parameters() if p.ndim >= 2]
    no_decay = [p for p in model.parameters() if p.ndim < 2]
    opt = torch.optim.AdamW([dict(params=decay, weight_decay=cfg.weight_decay),
                             dict(params=no_decay, weight_decay=0.0)],
                            lr=cfg.lr, betas=(0.9, 0.98), eps=1e-6)
    loss_fn = open_clip.ClipLoss()
    gen = torch.Generator().manual_seed(cfg.seed)
    perm, pos = torch.randperm(len(pairs), generator=gen), 0
    history = []
    start = time.time()
    for step in range(cfg.steps):
        if pos + cfg.batch_size > len(perm):
            perm, pos = torch.randperm(len(pairs), generator=gen), 0
        idx = perm[pos:pos + min(cfg.batch_size, len(perm))]
        pos += len(idx)
        for g in opt.param_groups:
            g['lr'] = _lr_at(step, cfg)
        img_f, txt_f, scale = model(to_model_input(images[pair_img[idx]]), tokens[idx])[:3]
        loss = loss_fn(img_f, txt_f, scale)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        with torch.no_grad():  # CLIP's clamp of the temperature (at most 100)
            model.logit_scale.clamp_(0, math.log(100))
        history.append(loss.item())
        done = step + 1
        if done == 1 or done % 25 == 0 or done == cfg.steps:
            now = time.time()
            log(f'[pretrain_clip] step {done}/{cfg.steps} loss {np.mean(history[-25:]):.4f} '
                f'lr {_lr_at(step, cfg):.2e} {done / (now - start):.2f} it/s '
                f'elapsed {now - start:.0f} s')
        if cfg.eval_every and done % cfg.eval_every == 0 and done != cfg.steps:
            zs = mean_average_precision(
                zero_shot_scores(model, tokenizer, test_images, names, cfg.template),
                test_labels)
            log(f'[pretrain_clip] step {done}: zero-shot mAP {zs["mAP"]:.2f} '
                f'(positive rate {zs["positive_rate"]:.2f})')
    train_time = time.time() - start

    zs = mean_average_precision(
        zero_shot_scores(model, tokenizer, test_images, names, cfg.template), test_labels)
    ckpt = Path(checkpoint)
    ckpt.parent.mkdir(parents=True, exist_ok=True)
    torch.save(model.state_dict(), ckpt)
    rec = dict(arch=cfg.arch, steps=cfg.steps, seed=cfg.seed, config=cfg.cache_key(),
               data_root=str(root), data_hash=dhash, checkpoint_sha256=file_sha256(ckpt),
               train_seconds=round(train_time, 1), threads=torch.get_num_threads(),
               loss_first=history[0], loss_last=float(np.mean(history[-25:])),
               zero_shot=dict(template=cfg.template, mAP=zs['mAP'],
                              positive_rate=zs['positive_rate'],
                              ap={n: a for n, a in zip(names, zs['ap'])}))
    sidecar_path(ckpt).write_text(json.dumps(rec, indent=1) + '\n')
    log(f'[pretrain_clip] saved {ckpt} ({train_time:.0f} s of training)')
    log(f'[pretrain_clip] zero-shot mAP on {root / "lt_test.txt"} with '
        f'"{cfg.template}": {zs["mAP"]:.2f} (chance ~ positive rate {zs["positive_rate"]:.2f})')
    return rec
