"""tools/fewshot.py support: episode ranges, mean ± std, the per-K summary record."""
import math

import pytest

from lmpt_mm.cli.fewshot import METRIC_COLUMNS, mean_std, parse_episodes, summarize


def test_parse_episodes():
    assert parse_episodes('1-10') == list(range(1, 11))
    assert parse_episodes('3') == [3]
    assert parse_episodes('1,4, 7-9,4') == [1, 4, 7, 8, 9]
    for bad in ('0-3', '5-2', 'a', '1-'):
        with pytest.raises(ValueError, match='--episodes'):
            parse_episodes(bad)


def test_mean_and_sample_std():
    assert mean_std([2.0]) == (2.0, 0.0)
    mean, std = mean_std([1.0, 2.0, 6.0])
    assert mean == 3.0 and math.isclose(std, math.sqrt(((1 - 3) ** 2 + 1 + 9) / 2))


def test_summary_record_for_compare():
    rows = {e: {c: float(e + i) for i, c in enumerate(METRIC_COLUMNS)} for e in (1, 2)}
    rec = summarize(rows, 5, 'HP-DVAL', 'cfg.py')
    assert rec['method'] == 'HP-DVAL (5-shot)' and rec['episodes'] == [1, 2]
    assert rec['lt/mAP'] == rec['fewshot/mAP'] == 1.5
    assert math.isclose(rec['fewshot/mAP_std'], math.sqrt(0.5))
