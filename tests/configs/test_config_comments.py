"""Configs say how a value was chosen and where its result is, not the result: scores
belong in generated files (work_dirs/selection/selection.md, comparison tables) and the
README, where they are regenerated; a number copied into a comment goes stale."""
import re
import tokenize
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# A score as the tables print it: two digits, a point, two decimals (e.g. 41.96).
SCORE = re.compile(r'\b\d{2}\.\d{2}\b')


def comments(path: Path):
    with path.open('rb') as f:
        for tok in tokenize.tokenize(f.readline):
            if tok.type == tokenize.COMMENT:
                yield tok.start[0], tok.string


def test_no_config_comment_quotes_a_score():
    found = [f'{p.relative_to(REPO)}:{line}: {text}'
             for p in sorted((REPO / 'configs').rglob('*.py'))
             for line, text in comments(p) if SCORE.search(text)]
    assert not found, 'scores in config comments:\n' + '\n'.join(found)


def test_the_check_sees_a_score_in_a_comment(tmp_path):
    cfg = tmp_path / 'c.py'
    cfg.write_text("lr = 2e-3  # chosen on val\n# Val mAP 41.96 at lr 5e-4\nx = '12.34'\n")
    assert [line for line, text in comments(cfg) if SCORE.search(text)] == [2]
