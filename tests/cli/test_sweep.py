"""tools/sweep.py's logic: grid parsing, summaries, the best setting, split checks."""
import pytest

from lmpt_mm.cli.sweep import (Trial, best_row, check_split, parse_grid, settings_of,
                               summarise)


def test_parse_grid_values_like_cfg_options():
    grid = parse_grid(['optim_wrapper.optimizer.lr=1e-3,2e-3', 'clip=None,0.1',
                       'model.head.mode=token', 'x=[1,2],[3,4]'])
    assert grid == {'optim_wrapper.optimizer.lr': [1e-3, 2e-3], 'clip': [None, 0.1],
                    'model.head.mode': ['token'], 'x': [[1, 2], [3, 4]]}
    assert len(settings_of(grid)) == 8
    assert settings_of(grid)[1] == {'optim_wrapper.optimizer.lr': 1e-3, 'clip': None,
                                    'model.head.mode': 'token', 'x': [3, 4]}
    for bad in (['lr'], ['lr='], ['lr=1,,2'], ['x=[1,2'], ['a=1', 'a=2']):
        with pytest.raises(ValueError):
            parse_grid(bad)


def test_summary_mean_std_and_best_keeps_first_of_ties(tmp_path):
    def trial(lr, seed, m):
        return Trial({'lr': lr}, seed, tmp_path, {'lt/mAP': m, 'lt/mAP_tail': m / 2})
    trials = [trial(1, 0, 40.0), trial(1, 1, 42.0), trial(2, 0, 43.0), trial(2, 1, 39.0),
              trial(3, 0, 41.0), trial(3, 1, 41.0)]
    rows = summarise(trials, 'lt/mAP')
    assert [r['lr'] for r in rows] == [1, 2, 3]
    assert rows[0]['mAP'] == 41.0 and rows[0]['mAP_std'] == pytest.approx(2 ** 0.5)
    assert rows[2]['mAP_std'] == 0.0 and rows[0]['seeds'] == 2
    assert best_row(rows, 'lt/mAP')['lr'] == 1  # 41 = 41 = 41: the first wins
    assert best_row(rows, 'lt/mAP_tail')['lr'] == 1
    with pytest.raises(ValueError, match='missing'):
        summarise(trials, 'lt/var')


def test_refuses_to_select_on_the_test_split(repo_root):
    tiny = str(repo_root / 'tests' / 'fixtures' / 'tiny_lmpt_lt.py')
    with pytest.raises(ValueError, match='would select on the test split'):
        check_split(tiny, 'val')
    check_split(tiny, 'val', {'val_dataloader.dataset.ann_file': 'val.txt'})
    check_split(tiny, 'test')
    with pytest.raises(ValueError, match='--split'):
        check_split(tiny, 'train')
    offline = str(repo_root / 'configs' / 'offline' / 'coop_synth-vit_synth-lt.py')
    check_split(offline, 'val')  # the offline world validates on lt_val.txt
