"""The ablation tables: every row's options apply to its real offline config."""
import argparse

from mmengine.config import Config, DictAction

from lmpt_mm.cli.ablations import Row, Table, default_tables, to_markdown


def merged(repo_root, row: Row) -> Config:
    cfg = Config.fromfile(str(repo_root / 'configs' / 'offline' / f'{row.stem}.py'))
    parser = argparse.ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    if row.options:
        cfg.merge_from_dict(parser.parse_args(['--cfg-options', *row.options]).cfg_options)
    return cfg


def test_rows_apply_to_their_configs(repo_root):
    tables = {t.title.split(':')[0].split(' (')[0]: t for t in default_tables()}
    assert set(tables) == {'LMPT', 'HP-DVAL', 'Losses for prompt tuning', 'DualCoOp'}
    rows = {r.label: r for t in tables.values() for r in t.rows}
    for row in rows.values():
        merged(repo_root, row)  # every option names a real key
    bce = merged(repo_root, rows['CoOp, BCE']).model.head.loss
    assert dict(bce) == dict(type='CrossEntropyLoss', use_sigmoid=True)
    assert merged(repo_root, rows['CoOp, DB*']).model.head.loss.variant == 'db_star'
    joint = merged(repo_root, rows['joint single stage (student + prompts, KD)']).model
    assert joint.head.type == 'HPTHead' and joint.teacher is not None
    reduced = merged(repo_root, rows[
        'stage 2 reduced to CoOp (no stage 1, alpha 1, no L_sc, DB)'])
    assert reduced.load_from is None and reduced.model.head.alpha == 1.0
    assert reduced.model.head.sc_weight == 0.0 and reduced.model.head.loss.variant == 'db'
    coop = merged(repo_root, rows['CoOp (reference)'])
    assert reduced.optim_wrapper == coop.optim_wrapper  # CoOp's optimiser, lr included
    random16 = merged(repo_root, rows["CoOp from 16 random tokens, ASL (DualCoOp's loss)"])
    dualcoop = merged(repo_root, rows[
        'DualCoOp as configured (16 random tokens, local view, ASL)']).model.head
    assert random16.model.head.prompt_learner.ctx_init is None
    assert random16.model.head.prompt_learner.n_ctx == dualcoop.prompt_learner.n_ctx == 16
    assert dict(random16.model.head.loss) == dict(dualcoop.loss, use_sigmoid=True)
    zs = [r for r in tables['HP-DVAL'].rows if not r.train]
    assert len(zs) == 8 and rows['zero-shot dual view, alpha 1.0, top-8'] in zs
    cse = [r for r in tables['LMPT'].rows if 'CSE weight' in r.label or 'DB' in r.label]
    weights = {o.split('=')[1] for r in cse for o in r.options if 'loss_weight' in o}
    assert {'0', '1', '3', '10', '30', '100'} <= weights
    assert any('mode=token' in o for r in tables['LMPT'].rows for o in r.options)


def test_every_row_has_its_own_work_dir():
    from lmpt_mm.cli.ablations import _slug
    dirs = [(_slug(t.title), _slug(r.label)) for t in default_tables() for r in t.rows]
    assert len(dirs) == len(set(dirs))  # 'CoOp, DB*' once shared 'CoOp, DB''s folder


def test_markdown_marks_rows_not_run_and_failed():
    t = Table('T', [Row('a', 's'), Row('b', 's'), Row('c', 's')])
    t.results['a'] = {'lt/mAP': 40.0, 'lt/mAP_head': 1.0, 'lt/mAP_medium': 2.0,
                      'lt/mAP_tail': 3.0, 'lt/var': 4.0}
    t.failed['b'] = 'boom'
    md = to_markdown([t])
    assert '| a | 40.00 | 1.00 | 2.00 | 3.00 | 4.00 |' in md
    assert '| b | failed (see its ablation.log) |' in md and '| c | not run |' in md
