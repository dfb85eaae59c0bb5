"""Shared fixtures.

External data is never copied into the repository. Tests find it through environment
variables, each defaulting to a folder beside the clone (``../shared/data/...``), and
skip with a reason where it is absent (a user's clone):

- ``LMPT_LT_ANNOTATIONS``: the real VOC-LT / COCO-LT annotation files (the LMPT
  repository's ``data/`` folder);
- ``LMPT_DB_LOSS_STATS``: the DB-loss paper's ``*_class_freq.pkl`` / ``*_class_split.pkl``;
- ``LMPT_FEWSHOT_DATA``: HP-DVAL's few-shot splits and episodes (``voc/``, ``coco/``).
"""
import gc
import logging
import os
from pathlib import Path

import pytest
from mmengine.logging import MMLogger

from lmpt_mm.synthetic.random_world import TINY_CLASS_NAMES, write_random_world

REPO_ROOT = Path(__file__).resolve().parents[1]

# Whether this file pinned the tools' threads (see below); `long_tool_env` undoes it.
_TOOL_THREADS_PINNED = False
if os.environ.get('PYTEST_XDIST_WORKER'):
    # `make test` runs two pytest workers on two cores: one intra-op thread each, and
    # one for the tools they start (inherited through the environment): two threads
    # per process would oversubscribe the cores, and OpenMP's waiting threads spin.
    _TOOL_THREADS_PINNED = 'OMP_NUM_THREADS' not in os.environ
    os.environ.setdefault('OMP_NUM_THREADS', '1')
    import torch
    torch.set_num_threads(1)

# The one place that knows where external data lives by default.
EXTERNAL_DATA = REPO_ROOT.parent / 'shared' / 'data'


def external_data_root(env_var: str, default_subdir: str) -> Path:
    """``$env_var`` if set, else ``default_subdir`` of the default external folder."""
    return Path(os.environ.get(env_var, EXTERNAL_DATA / default_subdir))


def lt_annotation_root() -> Path:
    return external_data_root('LMPT_LT_ANNOTATIONS', 'lt_annotations')


def db_loss_stats_root() -> Path:
    return external_data_root('LMPT_DB_LOSS_STATS', 'db_loss_stats')


@pytest.fixture(scope='session')
def lt_ann_root() -> Path:
    root = lt_annotation_root()
    if not (root / 'voc' / 'voc_lt_train.txt').is_file():
        pytest.skip(f'real VOC-LT/COCO-LT annotation files not found under {root}; '
                    'set LMPT_LT_ANNOTATIONS to the LMPT repository\'s data/ folder')
    return root


def fewshot_data_root() -> Path:
    """HP-DVAL's published few-shot splits (``voc/*.csv``, ``coco/*.json``)."""
    return external_data_root('LMPT_FEWSHOT_DATA', 'fewshot')


@pytest.fixture(scope='session')
def fewshot_root() -> Path:
    root = fewshot_data_root()
    if not (root / 'voc' / 'classification_Train_base.csv').is_file():
        pytest.skip(f'the published few-shot splits were not found under {root}; set '
                    'LMPT_FEWSHOT_DATA to the folder holding voc/ and coco/ (HP-DVAL '
                    'release)')
    return root


@pytest.fixture(scope='session')
def db_stats_root() -> Path:
    root = db_loss_stats_root()
    if not (root / 'VOCdevkit_longtail2012_class_freq.pkl').is_file():
        pytest.skip(f'DB-loss statistics pickles not found under {root}; set '
                    'LMPT_DB_LOSS_STATS to the DB-loss code\'s appendix/ folder')
    return root


@pytest.fixture(scope='session')
def repo_root() -> Path:
    return REPO_ROOT


def write_tiny_lt_world(root: Path, num_classes: int = 4, num_train: int = 16,
                        num_test: int = 12, size: int = 32, seed: int = 0) -> Path:
    """The tiny random-image world (``lmpt_mm.synthetic.random_world``) under ``root``:
    ``num_classes`` of ``TINY_CLASS_NAMES``, every class with positives in both splits."""
    return write_random_world(root, TINY_CLASS_NAMES[:num_classes], num_train, num_test,
                              size, seed)


@pytest.fixture(scope='session')
def tiny_lt_world(tmp_path_factory) -> Path:
    return write_tiny_lt_world(tmp_path_factory.mktemp('tiny_lt_world'))


class _ListHandler(logging.Handler):

    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.records = []

    def emit(self, record):
        self.records.append(record)

    def messages(self, level=logging.WARNING):
        return [r.getMessage() for r in self.records if r.levelno >= level]


@pytest.fixture(scope='session')
def long_tool_env() -> dict:
    """Environment of the suite's one long tool run (the reduced demo, the critical
    path of `make test`): torch's own thread choice, not the one thread the other
    tools get under xdist, with OpenMP's idle threads sleeping instead of spinning.

    Its two threads share the two cores with the other worker most of the time, and
    spinning threads then burn the cycles the other process needs: 150 steps of the
    small CLIP's pretraining beside a one-thread process trained in 75 s (the whole
    process: 105 s of CPU) with OpenMP's default waiting, 41 s (48 s of CPU) with
    passive waiting and 40 s with one thread; alone on the machine, 22 s / 26 s / 39 s.
    """
    env = dict(os.environ)
    if _TOOL_THREADS_PINNED:
        env.pop('OMP_NUM_THREADS', None)
        env.setdefault('OMP_WAIT_POLICY', 'PASSIVE')
    return env


@pytest.fixture
def mm_log():
    """Records of ``print_log(..., logger='current')`` (MMLogger does not
    propagate to the root logger, so ``caplog`` cannot see them)."""
    logger = MMLogger.get_current_instance()
    handler = _ListHandler()
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)


@pytest.fixture(autouse=True)
def mmpretrain_scope():
    """Every test starts in the `mmpretrain` registry scope, as lmpt_mm's configs do.

    A Runner built by one test leaves its own default scope behind; building
    components by type name in a later test would then search the wrong registry.
    """
    from mmengine.registry import DefaultScope
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        yield


# End-to-end tests: real tools/*.py runs in subprocesses. `make test-fast` deselects
# them (-m "not slow"); `make test` and CI run them.
SLOW_DIRS = (REPO_ROOT / 'tests' / 'tools', )
SLOW_FILES = ('test_lmpt_config_end_to_end.py', )


def pytest_collection_modifyitems(items):
    for item in items:
        path = Path(str(item.fspath))
        if path.name in SLOW_FILES or any(d in path.parents for d in SLOW_DIRS):
            item.add_marker(pytest.mark.slow)
    longest_files_first(items)


def longest_files_first(items: list) -> None:
    """Order ``items`` (in place) by file: `critical_path` files, then `slow` ones, then
    the rest.

    `--dist loadfile` hands files to the workers in collection order. The longest file
    (`critical_path`: the reduced demo, most of a worker's share of `make test`) goes
    first and the other slow files next, so the other worker runs the rest of the suite
    beside it instead of one worker running it after everything else. The sort is
    stable and per file: each file's tests stay together and in their order.
    """
    rank = {}
    for item in items:
        r = 0 if item.get_closest_marker('critical_path') else (
            1 if item.get_closest_marker('slow') else 2)
        rank[item.fspath] = min(rank.get(item.fspath, 2), r)
    items.sort(key=lambda item: rank[item.fspath])


def pytest_collection_finish(session):
    """The modules every test imports (torch, MMEngine, MMPretrain, lmpt_mm: ~500k
    objects) stay until the session ends: out of the cyclic collector's reach, the
    collections during the tests no longer walk them (a quarter of the in-process
    tests' time), as :func:`lmpt_mm.cli.entry.tool_entry_point` does for the tools."""
    gc.freeze()
