"""stats_file pickles are read by a restricted unpickler; the package never calls
plain pickle.load / torch.load(weights_only=False) outside the documented opt-in."""
import ast
import os
import pickle
from pathlib import Path

import numpy as np
import pytest

from lmpt_mm.models.losses import DistributionBalancedLoss
from lmpt_mm.datasets.class_stats import load_class_stats, read_stats_pickle
from lmpt_mm.models.losses.class_specific_embedding_loss import ClassSpecificEmbeddingLoss
from lmpt_mm.utils import logging as lmpt_logging

PACKAGE = Path(__file__).resolve().parents[3] / 'lmpt_mm'


class _RunsCode:
    """Unpickling this calls os.system (what a crafted stats file would do)."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f'touch {self.marker}', )


@pytest.mark.parametrize('name', ['VOCdevkit_longtail2012_class_freq.pkl',
                                  'coco_longtail2017_class_freq.pkl'])
def test_db_loss_paper_pickles_load(db_stats_root, name):
    path = db_stats_root / name
    # The reference: the same file through plain pickle, in this test only.
    with open(path, 'rb') as f:
        ref = pickle.load(f, encoding='latin1')
    class_freq, neg_class_freq = load_class_stats(path)
    np.testing.assert_array_equal(class_freq.numpy(), ref['class_freq'])
    np.testing.assert_array_equal(neg_class_freq.numpy(), ref['neg_class_freq'])
    data = read_stats_pickle(path)
    np.testing.assert_array_equal(data['condition_prob'], ref['condition_prob'])
    assert len(data['gt_labels']) == len(ref['gt_labels'])


def test_class_split_pickle_with_sets_and_numpy_scalars(db_stats_root):
    path = db_stats_root / 'VOCdevkit_longtail2012_class_split.pkl'
    data = read_stats_pickle(path)
    assert set(data) == {'head', 'middle', 'tail'}
    assert sum(len(v) for v in data.values()) == 20


def test_malicious_stats_pickle_is_refused_without_running_code(tmp_path):
    marker = tmp_path / 'pwned'
    path = tmp_path / 'evil_class_freq.pkl'
    path.write_bytes(pickle.dumps({'class_freq': [1, 2], 'x': _RunsCode(marker)},
                                  protocol=2))
    with pytest.raises(ValueError, match=r"evil_class_freq\.pkl.*refused: global "
                       r"posix\.system is not allowed"):
        DistributionBalancedLoss(stats_file=str(path))
    assert not marker.exists()


def test_object_arrays_and_other_codecs_are_refused(tmp_path):
    path = tmp_path / 'obj.pkl'
    path.write_bytes(pickle.dumps({'class_freq': np.array([1, 'a'], dtype=object)},
                                  protocol=2))
    with pytest.raises(ValueError, match='not a numeric dtype'):
        load_class_stats(path)
    garbage = tmp_path / 'garbage.pkl'
    garbage.write_bytes(b'\x80\x02}q\x00')  # truncated
    with pytest.raises(ValueError, match='garbage.pkl.*not a readable pickle'):
        load_class_stats(garbage)


def test_numpy_pickles_of_today_still_load(tmp_path):
    path = tmp_path / 'stats.pkl'
    data = dict(class_freq=np.array([3, 1]), neg_class_freq=np.array([1, 3]),
                condition_prob=np.eye(2))
    path.write_bytes(pickle.dumps(data))  # numpy 2, protocol 5
    pos, neg = load_class_stats(path)
    assert pos.tolist() == [3, 1] and neg.tolist() == [1, 3]


@pytest.fixture
def fresh_warnings():
    lmpt_logging._warned.clear()
    yield
    lmpt_logging._warned.clear()


def test_stats_file_vs_train_split_disagreement_is_reported(tmp_path, mm_log,
                                                            fresh_warnings):
    path = tmp_path / 'stats.json'
    path.write_text('{"class_freq": [6, 1, 10], "neg_class_freq": [14, 19, 10]}')
    loss = DistributionBalancedLoss(stats_file=str(path))
    loss.set_class_stats([6, 2, 12], [14, 18, 8], source="the train split 'tr.txt'")
    (msg, ) = [m for m in mm_log.messages() if 'differ' in m]
    assert 'stats.json' in msg and "the train split 'tr.txt'" in msg
    assert 'class_freq[1] 1 vs 2' in msg and 'class_freq[2] 10 vs 12' in msg
    assert msg.endswith("the counts of the train split 'tr.txt' are used")
    assert loss.class_freq.tolist() == [6, 2, 12]


def test_equal_stats_and_cse_loss(tmp_path, mm_log, fresh_warnings):
    path = tmp_path / 'stats.json'
    path.write_text('{"class_freq": [6, 1], "neg_class_freq": [1, 6]}')
    loss = DistributionBalancedLoss(stats_file=str(path))
    loss.set_class_stats([6, 1], [1, 6])
    assert not [m for m in mm_log.messages() if 'differ' in m]
    cse = ClassSpecificEmbeddingLoss(stats_file=str(path))
    cse.set_class_stats([5, 2], [2, 5])
    assert any('ClassSpecificEmbeddingLoss' in m and 'class_freq[0] 6 vs 5' in m
               for m in mm_log.messages())
    assert cse.class_freq.tolist() == [5, 2]


# The only place allowed to unpickle arbitrary objects: the explicit opt-in branch of
# the checkpoint loader (tools' --unsafe-load / unsafe_checkpoint_load / env var).
OPT_IN = {('engine/safe_checkpoint.py', 'load_local_checkpoint')}


def _dotted(node) -> str:
    if isinstance(node, ast.Attribute):
        return f'{_dotted(node.value)}.{node.attr}'
    return node.id if isinstance(node, ast.Name) else ''


def unsafe_calls(source: str) -> list:
    """``(lineno, enclosing function, call)`` of every call that may unpickle
    arbitrary objects."""
    found = []

    def visit(node, func):
        for child in ast.iter_child_nodes(node):
            name = func
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                name = child.name
            if isinstance(child, ast.Call):
                callee = _dotted(child.func)
                kw = {k.arg: k.value for k in child.keywords}
                weights_only = kw.get('weights_only')
                if callee in ('pickle.load', 'pickle.loads', 'pickle.Unpickler',
                              'cPickle.load', 'dill.load', 'joblib.load'):
                    found.append((child.lineno, name, callee))
                elif callee.endswith('torch.load') and not (
                        isinstance(weights_only, ast.Constant)
                        and weights_only.value is True):
                    found.append((child.lineno, name, callee + '(weights_only!=True)'))
                elif isinstance(weights_only, ast.Constant) and weights_only.value is False:
                    found.append((child.lineno, name, callee + '(weights_only=False)'))
                elif callee.endswith('np.load') and isinstance(
                        kw.get('allow_pickle'), ast.Constant) and kw['allow_pickle'].value:
                    found.append((child.lineno, name, 'np.load(allow_pickle=True)'))
            visit(child, name)

    visit(ast.parse(source), '<module>')
    return found


def test_grep_finds_unsafe_calls():
    assert [c[1:] for c in unsafe_calls(
        'import pickle, torch\n'
        'def f(p):\n    return pickle.load(open(p, "rb"))\n'
        'x = torch.load("a.pth", weights_only=False)\ny = torch.load("b.pth")\n'
        'z = torch.load("c.pth", weights_only=True)\n')] == [
        ('f', 'pickle.load'), ('<module>', 'torch.load(weights_only!=True)'),
        ('<module>', 'torch.load(weights_only!=True)')]


def test_package_has_no_unrestricted_unpickling():
    found = []
    files = sorted(PACKAGE.rglob('*.py')) + sorted((PACKAGE.parent / 'tools').glob('*.py'))
    for path in files:
        rel = path.relative_to(PACKAGE).as_posix() if PACKAGE in path.parents else \
            f'../tools/{path.name}'
        for lineno, func, call in unsafe_calls(path.read_text()):
            if (rel, func) not in OPT_IN:
                found.append(f'lmpt_mm/{rel}:{lineno} in {func}: {call}')
    assert len(files) > 50
    assert not found, 'unrestricted unpickling outside the opt-in:\n' + '\n'.join(found)
