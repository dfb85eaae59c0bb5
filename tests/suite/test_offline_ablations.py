"""The ablation suite: every row's options apply to its real offline config, rows that
start from another run train that run themselves, untrained rows are tested on the
validation list, and the report groups the rows into their tables."""
import json
import shlex
from pathlib import Path

import pytest

from lmpt_mm.suite import SuiteRunner, load_suite, write_report
from lmpt_mm.suite.plan import plan
from lmpt_mm.suite.spec import options_of
from lmpt_mm.utils.hashing import config_run_record

REPO = Path(__file__).resolve().parents[2]
SUITE = 'configs/suites/offline_ablations.py'


@pytest.fixture(scope='module')
def suite():
    return load_suite(str(REPO / SUITE))


def merged(suite, name, stage=-1, action='train'):
    """The resolved config of one stage of a row, with the suite's options merged."""
    st = suite.method(name).stages[stage]
    options = [suite.expand(o) for o in options_of(suite, st, action)]
    return config_run_record(str(REPO / st.config), options)['config']


def test_tables_and_rows(suite):
    tables = {}
    for m in suite.methods:
        tables.setdefault(m.table.split(':')[0].split(' (')[0], []).append(m)
    assert set(tables) == {'LMPT', 'HP-DVAL', 'Losses for prompt tuning', 'DualCoOp',
                           'HP-DVAL code form'}
    assert suite.split == 'val' and suite.seeds == (0, ) and not suite.baselines
    zero_shot = [m for m in tables['HP-DVAL'] if not m.trained]
    assert len(zero_shot) == 8
    assert 'zero-shot dual view, alpha 1.0, top-8' in {m.name for m in zero_shot}
    code = {m.name: m for m in tables['HP-DVAL code form']}
    assert len(code) == 4 and sum(not m.trained for m in code.values()) == 2
    norm = merged(suite, 'code form, stages 1 + 2, CLIP-normalised inputs', 1)
    plain = merged(suite, 'code form, stages 1 + 2', 1)
    assert plain['model']['data_preprocessor']['std'] == [255.0] * 3  # the release's
    assert norm['model']['data_preprocessor']['mean'][0] == pytest.approx(122.7709383)
    weights = {o.split('=')[1] for m in tables['LMPT'] for o in m.stages[0].cfg_options
               if 'cse_loss.loss_weight' in o}
    assert weights == {'0', '1', '3', '10', '30', '100'}
    assert any('mode=token' in o for m in tables['LMPT'] for o in m.stages[0].cfg_options)


def test_every_row_applies_to_its_config(suite):
    for m in suite.methods:
        for i, stage in enumerate(m.stages):
            for action in (('train', 'test') if stage.train else ('test', )):
                merged(suite, m.name, i, action)  # options merge into the config
    bce = merged(suite, 'CoOp, BCE')['model']['head']['loss']
    assert bce == dict(type='CrossEntropyLoss', use_sigmoid=True)
    assert merged(suite, 'CoOp, DB* (variant db_star)')['model']['head']['loss'][
        'variant'] == 'db_star'
    joint = merged(suite, 'joint single stage (student + prompts, KD)')['model']
    assert joint['head']['type'] == 'HPTHead' and joint['teacher'] is not None
    assert joint['head']['global_prompt_learner']['ctx_init'] == 'a photo of a'
    reduced = merged(suite, 'stage 2 reduced to CoOp (no stage 1, alpha 1, no L_sc, DB)')
    assert reduced['load_from'] is None and reduced['model']['head']['alpha'] == 1.0
    assert reduced['model']['head']['sc_weight'] == 0.0
    assert reduced['model']['head']['loss']['variant'] == 'db'
    coop = merged(suite, 'CoOp (reference)')
    assert reduced['optim_wrapper'] == coop['optim_wrapper']  # CoOp's optimiser and lr
    assert reduced['train_cfg'] == coop['train_cfg']
    assert reduced['param_scheduler'] == coop['param_scheduler']
    random16 = merged(suite, "CoOp from 16 random tokens, ASL (DualCoOp's loss)")
    dualcoop = merged(suite, 'DualCoOp as configured (16 random tokens, local view, ASL)')
    head, dual = random16['model']['head'], dualcoop['model']['head']
    assert head['prompt_learner']['ctx_init'] is None
    assert head['prompt_learner']['n_ctx'] == dual['prompt_learner']['n_ctx'] == 16
    assert head['loss'] == dict(dual['loss'], use_sigmoid=True)
    # the demo's small CLIP and world
    assert coop['model']['backbone']['pretrained'] == 'work_dirs/demo/clip_synth.pt'
    assert coop['train_dataloader']['dataset']['data_root'] == 'data/synthetic_lt'


def test_stage_two_rows_train_their_own_stage_one(suite):
    alone = suite.method('stage 1 only (+DVAL)').stages
    for name in ('+ HPT (stage 2, no L_sc)', '+ SC (stage 2, full HP-DVAL)'):
        first, second = suite.method(name).stages
        assert first == alone[0] and first.train
        assert second.init_from_previous and second.config.endswith(
            'hpdval-stage2_synth-vit_synth-lt.py')
    assert merged(suite, '+ HPT (stage 2, no L_sc)')['model']['head']['sc_weight'] == 0.0


def test_every_row_has_its_own_work_dirs_and_untrained_rows_test_on_val(suite):
    chains = plan(suite)
    dirs = [{str(s.work_dir) for s in chain} for chain in chains]
    every = [d for ds in dirs for d in ds]
    assert len(every) == len(set(every))  # no two rows share a folder
    runner = SuiteRunner(suite)
    lines = [shlex.split(line) for line in runner.dry_run()]
    tests = [a for a in lines if a[1] == 'tools/test.py']
    assert len(tests) == 8 + 2  # the zero-shot rows; trained rows are scored on validation
    for argv in tests:
        assert argv[3] == 'none'
        assert 'test_dataloader.dataset.ann_file=lt_val.txt' in argv
    plus_sc = [a for a in lines if 'work_dirs/ablations/+-sc-stage-2-full-hp-dval/'
               'hpdval-stage2_synth-vit_synth-lt' in a]
    (train, ) = plus_sc
    assert train[-1] == ('load_from=$(cat work_dirs/ablations/+-sc-stage-2-full-hp-dval/'
                         'hpdval-stage1_synth-vit_synth-lt/last_checkpoint)')


METRICS = {'lt/mAP_head': 1.0, 'lt/mAP_medium': 2.0, 'lt/mAP_tail': 3.0, 'lt/var': 4.0}


def scalars(work_dir: Path, mAP: float) -> None:
    """A training run's validation log (MMEngine's vis_data/scalars.json)."""
    path = work_dir / '20240101_000000' / 'vis_data' / 'scalars.json'
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(dict(METRICS, **{'lt/mAP': mAP, 'step': 8})) + '\n')


def test_report_has_one_table_per_ablation(suite, tmp_path):
    small = suite.select(only=['shared, DB', 'zero-shot dual view, alpha 1.0, top-8',
                               '+ SC (stage 2, full HP-DVAL)', 'CoOp, DB'],
                         work_dir=str(tmp_path))
    for i, chain in enumerate(plan(small)):
        last = chain[-1]
        if last.action == 'train':  # scored by its run's final validation
            scalars(last.work_dir, 40.0 + i)
        else:  # tested on the validation list
            last.work_dir.mkdir(parents=True)
            (last.work_dir / 'metrics.json').write_text(json.dumps(dict(
                METRICS, **{'lt/mAP': 30.0})))
    md = write_report(small, [m.name for m in small.methods]).read_text()
    titles = [line[3:] for line in md.splitlines() if line.startswith('## ')]
    assert [t.split(':')[0].split(' (')[0] for t in titles] == [
        'LMPT', 'HP-DVAL', 'Losses for prompt tuning']
    assert '| shared, DB | 1 | 40.00 | 1.00 | 2.00 | 3.00 | 4.00 |' in md
    assert '| zero-shot dual view, alpha 1.0, top-8 | 1 | 30.00 |' in md
    assert '| + SC (stage 2, full HP-DVAL) | 1 | 42.00 |' in md  # its stage 2's validation
