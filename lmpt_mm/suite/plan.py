"""The runs of a suite, in order, and the command line of each for a launcher.

Every method is a chain: its unseeded stages train once, then per seed its seeded
(last) stage trains, then the tested stage is tested (``tools/test.py``) or run
through the few-shot protocol (``tools/fewshot.py``). Work dirs:
``WORK_DIR/<method>/<config stem>`` for a stage that runs once and
``WORK_DIR/<method>/<config stem>_seed<k>`` per seed.

Commands are what a user would type: ``tools/train.py`` (``--launcher none``),
``tools/dist_train.sh CONFIG GPUS`` (``pytorch``, torchrun) or
``GPUS=N tools/slurm_train.sh PARTITION JOB CONFIG WORK_DIR`` (``slurm``), and the
test / few-shot scripts beside them. A checkpoint that exists only once an earlier run
has finished is written ``"$(cat <work dir>/last_checkpoint)"`` in a dry run.
"""
from __future__ import annotations

import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from lmpt_mm.engine.work_dir_checkpoints import checkpoint_in_work_dir

from .spec import Method, Stage, Suite, folder_name as slug, options_of

LAUNCHERS = ('none', 'pytorch', 'slurm')


@dataclass(frozen=True)
class Launcher:
    """How runs are started: ``kind`` in :data:`LAUNCHERS`, ``gpus`` processes per run
    (``pytorch`` / ``slurm``), the Slurm ``partition``, the Python of the tools."""
    kind: str = 'none'
    gpus: int = 1
    partition: Optional[str] = None
    python: str = sys.executable

    def __post_init__(self) -> None:
        if self.kind not in LAUNCHERS:
            raise ValueError(f'launcher must be one of {LAUNCHERS}, got {self.kind!r}')
        if self.gpus < 1:
            raise ValueError(f'--gpus must be at least 1, got {self.gpus}')

    def slurm_partition(self, resolve: bool) -> str:
        """The partition; a dry run without one prints the shell's ``$PARTITION``."""
        if self.partition:
            return self.partition
        if not resolve:
            return '"$PARTITION"'
        raise ValueError('--launcher slurm needs --partition (or PARTITION in the '
                         'environment): the Slurm partition')


@dataclass(frozen=True)
class LastCheckpoint:
    """The checkpoint a finished training run in ``work_dir`` points to."""
    work_dir: Path

    def resolve(self) -> str:
        """The file ``last_checkpoint`` names; in a work dir copied or moved from
        elsewhere (MMEngine writes absolute paths) the file of that name inside it, as
        ``--resume auto`` reads it (:mod:`lmpt_mm.engine.work_dir_checkpoints`)."""
        pointer = self.work_dir / 'last_checkpoint'
        if not pointer.is_file():
            raise FileNotFoundError(f'{self.work_dir} has no last_checkpoint: did its '
                                    'training finish?')
        target = pointer.read_text().strip()
        if not target:
            raise FileNotFoundError(f'{pointer} is empty: its training did not save a '
                                    'checkpoint to the end (delete its work dir and '
                                    'run the suite again)')
        return checkpoint_in_work_dir(str(self.work_dir), target) or target

    def shell(self) -> str:
        return f'"$(cat {shlex.quote(str(self.work_dir / "last_checkpoint"))})"'


@dataclass
class Step:
    """One tool run of a suite."""
    index: int
    method: str
    seed: Optional[int]  # None: a stage that runs once
    stage: Stage
    action: str  # 'train', 'test' or 'fewshot'
    work_dir: Path
    options: List[str]  # --cfg-options without the checkpoint-dependent ones
    init_from: Optional[Path] = None  # train: the work dir whose checkpoint it loads
    after: List[int] = field(default_factory=list)  # steps this one needs

    @property
    def log(self) -> Path:
        return self.work_dir / f'suite_{self.action}.log'

    @property
    def label(self) -> str:
        seed = '' if self.seed is None else f' | seed {self.seed}'
        return f'{self.method}{seed} | {self.action} {self.stage.stem}'

    def checkpoint(self) -> Optional[LastCheckpoint]:
        """The checkpoint this step reads: ``load_from`` of a train step started from
        the previous stage, the tested checkpoint of a test step."""
        if self.action == 'train':
            return LastCheckpoint(self.init_from) if self.init_from else None
        if self.action == 'test' and self.stage.train:
            return LastCheckpoint(self.work_dir)
        return None


def run_dir(suite: Suite, method: Method, stage: Stage, seed: Optional[int]) -> Path:
    base = Path(suite.work_dir) / slug(method.name)
    return base / (stage.stem if seed is None else f'{stage.stem}_seed{seed}')


def method_steps(suite: Suite, method: Method, start: int = 0) -> List[Step]:
    """The steps of one method, numbered from ``start``."""
    steps: List[Step] = []
    expand = suite.expand

    def add(**kwargs) -> Step:
        step = Step(index=start + len(steps), method=method.name, **kwargs)
        steps.append(step)
        return step

    once = [s for s in method.stages if not s.seeded]
    seeded = [s for s in method.stages if s.seeded]
    trained: Dict[Tuple[int, Optional[int]], Step] = {}  # (stage index, seed) -> train

    def train(i: int, stage: Stage, seed: Optional[int]) -> None:
        prev = trained.get((i - 1, None)) or trained.get((i - 1, seed))
        opts = [expand(o, seed=seed) for o in options_of(suite, stage, 'train')]
        if seed is not None:
            opts.append(f'randomness.seed={seed}')
        trained[(i, seed)] = add(
            seed=seed, stage=stage, action='train',
            work_dir=run_dir(suite, method, stage, seed), options=opts,
            init_from=prev.work_dir if stage.init_from_previous else None,
            after=[prev.index] if prev is not None else [])

    def test(seed: Optional[int]) -> None:
        i = method.tested % len(method.stages)
        stage = method.stages[i]
        run_seed = seed if stage.seeded else None
        source = trained.get((i, run_seed))
        action = 'fewshot' if suite.protocol == 'fewshot' else 'test'
        opts = [expand(o, seed=seed) for o in options_of(suite, stage, 'test')]
        after = [source.index] if source else (
            [steps[-1].index] if steps else [])
        add(seed=run_seed, stage=stage, action=action,
            work_dir=run_dir(suite, method, stage, run_seed), options=opts, after=after)

    for i, stage in enumerate(method.stages):
        if stage in once and stage.train and not (
                suite.protocol == 'fewshot' and i == method.tested % len(method.stages)):
            train(i, stage, None)
    if not seeded:
        # On the validation split an untrained method is still tested: its config's
        # test loader is pointed at the validation list by the suite.
        if suite.split == 'test' or not method.trained:
            test(None)
        return steps
    i = method.stages.index(seeded[0])
    for seed in suite.seeds:
        train(i, seeded[0], seed)
        if suite.split == 'test':
            test(seed)
    return steps


def plan(suite: Suite) -> List[List[Step]]:
    """Per method, its steps in order (numbered over the whole suite)."""
    chains, start = [], 0
    for method in suite.methods:
        steps = method_steps(suite, method, start)
        chains.append(steps)
        start += len(steps)
    return chains


def command(step: Step, suite: Suite, launcher: Launcher, resume: bool = False,
            resolve: bool = True) -> Tuple[List[str], Dict[str, str]]:
    """``(argv, environment additions)`` of a step; ``resolve=False`` leaves the
    checkpoints it reads as shell substitutions (a dry run)."""
    def ckpt(c: LastCheckpoint) -> str:
        return c.resolve() if resolve else c.shell()

    opts = list(step.options)
    source = step.checkpoint()
    if step.action == 'train' and source is not None:
        opts.append(f'load_from={ckpt(source)}')
    config, wd = step.stage.config, str(step.work_dir)
    tail: List[str] = []
    if step.action == 'train' and resume:
        tail.append('--resume')
    if step.action == 'fewshot':
        tail += [suite.expand(a) for a in suite.fewshot_args]
    if opts:
        tail += ['--cfg-options', *opts]
    tested = (ckpt(source) if source is not None else 'none') if step.action == 'test' \
        else None
    env: Dict[str, str] = {}
    gpus = str(launcher.gpus)
    if launcher.kind == 'none':
        script = {'train': 'tools/train.py', 'test': 'tools/test.py',
                  'fewshot': 'tools/fewshot.py'}[step.action]
        head = [launcher.python, script, config] + ([tested] if tested else [])
        return head + ['--work-dir', wd] + tail, env
    env['PYTHON'] = launcher.python
    if launcher.kind == 'pytorch':
        script = {'train': 'tools/dist_train.sh', 'test': 'tools/dist_test.sh',
                  'fewshot': 'tools/dist_fewshot.sh'}[step.action]
        head = ['bash', script, config] + ([tested] if tested else []) + [gpus]
        return head + ['--work-dir', wd] + tail, env
    env['GPUS'] = gpus
    env['GPUS_PER_NODE'] = str(min(launcher.gpus, 8))
    job = f'{slug(step.method)}-{step.stage.stem}' + (
        '' if step.seed is None else f'-s{step.seed}')
    script = {'train': 'tools/slurm_train.sh', 'test': 'tools/slurm_test.sh',
              'fewshot': 'tools/slurm_fewshot.sh'}[step.action]
    head = ['bash', script, launcher.slurm_partition(resolve), job[:64], config] + (
        [tested] if tested else [])
    return head + [wd] + tail, env


def shell_line(argv: Sequence[str], env: Dict[str, str]) -> str:
    """A command as one line of shell (checkpoint substitutions left unquoted)."""
    def quote(arg: str) -> str:
        return arg if '"$(cat ' in arg or arg == '"$PARTITION"' else shlex.quote(arg)
    prefix = ' '.join(f'{k}={shlex.quote(v)}' for k, v in env.items() if k != 'PYTHON')
    return (prefix + ' ' if prefix else '') + ' '.join(quote(a) for a in argv)
