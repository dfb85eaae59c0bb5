"""tools/compare.py labels results by what produced them: test metrics only (validation
in its own column with --val), stale flag in the CSV, tested checkpoint by sha256."""
import csv
import importlib.util
import json
from pathlib import Path

import pytest

from lmpt_mm.cli.compare import VAL_COLUMN, collect, to_markdown, write_csv
from lmpt_mm.utils.hashing import file_sha256

REPO = Path(__file__).resolve().parents[2]


def compare(work_dirs, out: Path, val: bool = False):
    """compare() without the figure (matplotlib: seconds; the tool test draws it)."""
    results = collect(work_dirs, val=val)
    out.mkdir()
    (out / 'comparison.md').write_text(to_markdown(results))
    write_csv(results, out / 'comparison.csv')
    return results


def _metrics(total, **extra):
    return {'lt/mAP': total, 'lt/mAP_head': total + 1, 'lt/mAP_medium': total,
            'lt/mAP_tail': total - 1, **extra}


def val_only(root: Path, name: str, final: float) -> Path:
    """A work dir trained with validation and never tested."""
    wd = root / name
    (wd / '20240103_000000' / 'vis_data').mkdir(parents=True)
    lines = [dict(_metrics(final - 5), step=1), dict(_metrics(final), step=2)]
    (wd / '20240103_000000' / 'vis_data' / 'scalars.json').write_text(
        '\n'.join(json.dumps(x) for x in lines) + '\n')
    return wd


def make_tested(root: Path, name: str, value: float, **extra) -> Path:
    wd = root / name
    wd.mkdir()
    (wd / 'metrics.json').write_text(json.dumps(_metrics(value, method=name, **extra)))
    return wd


def read_csv(path: Path) -> list:
    with open(path, newline='') as f:
        return list(csv.DictReader(f))


def test_validation_is_never_shown_as_a_test_result(tmp_path):
    test_run = make_tested(tmp_path, 'coop', 41.0)
    trained = val_only(tmp_path, 'lmpt', 44.0)
    with pytest.warns(UserWarning, match=rf'{trained} has validation metrics only .*no '
                      r'test result.*Left out of the table'):
        results = compare([test_run, trained], tmp_path / 'out')
    assert [r.method for r in results] == ['coop']
    assert '44.00' not in (tmp_path / 'out' / 'comparison.md').read_text()
    with pytest.raises(ValueError, match='none of the 1 work dir'), pytest.warns(UserWarning):
        collect([trained])

    # --val: a separate, labelled validation column; the never-tested run has no
    # test numbers
    results = compare([test_run, trained], tmp_path / 'val', val=True)
    md = (tmp_path / 'val' / 'comparison.md').read_text()
    assert '| method | mAP | head | medium | tail | var. | val. mAP |' in md
    assert '| coop | 41.00 | 42.00 | 41.00 | 40.00 | n/a | n/a |' in md
    assert '| lmpt | n/a | n/a | n/a | n/a | n/a | 44.00 |' in md
    assert 'not a test result' in md
    rows = read_csv(tmp_path / 'val' / 'comparison.csv')
    assert rows[1]['mAP'] == 'nan' and rows[1][VAL_COLUMN] == '44.0'
    assert not results[1].has_test and results[1].val_metrics['lt/mAP'] == 44.0


def test_csv_carries_the_stale_flag_and_a_rewritten_checkpoint_is_stale(tmp_path):
    ckpt = tmp_path / 'epoch_1.pth'
    ckpt.write_bytes(b'weights')
    run = make_tested(tmp_path, 'lmpt', 40.0, checkpoint=dict(path=str(ckpt),
                                                         sha256=file_sha256(str(ckpt))))
    fresh = make_tested(tmp_path, 'coop', 41.0)
    compare([run, fresh], tmp_path / 'a')
    assert [r['stale'] for r in read_csv(tmp_path / 'a' / 'comparison.csv')] == [
        'False', 'False']
    ckpt.write_bytes(b'other weights')  # outside the work dir: only its hash tells
    with pytest.warns(UserWarning, match=rf'{run / "metrics.json"} is stale: the '
                      rf'checkpoint it tested, {ckpt}, has other bytes now'):
        compare([run, fresh], tmp_path / 'b')
    assert [r['stale'] for r in read_csv(tmp_path / 'b' / 'comparison.csv')] == [
        'True', 'False']
    assert '| lmpt (stale) | 40.00 |' in (tmp_path / 'b' / 'comparison.md').read_text()


def test_non_numeric_metric_names_the_file_and_key(tmp_path):
    run = make_tested(tmp_path, 'lmpt', 40.0)
    (run / 'metrics.json').write_text(json.dumps(_metrics(40.0) | {'lt/mAP_tail': 'n/a'}))
    with pytest.raises(ValueError, match=rf"{run / 'metrics.json'}: lt/mAP_tail is "
                       r"'n/a', not a number"):
        collect([run])


def test_compare_tool_val_option(tmp_path, capsys):
    spec = importlib.util.spec_from_file_location('_compare_tool',
                                                  REPO / 'tools' / 'compare.py')
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    trained = val_only(tmp_path, 'lmpt', 44.0)
    tool.main([str(trained), '--out-dir', str(tmp_path / 'out'), '--val'])
    assert '| lmpt | n/a | n/a | n/a | n/a | n/a | 44.00 |' in capsys.readouterr().out
