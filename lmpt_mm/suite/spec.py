"""What a suite is: methods (chains of config stages) x seeds, and how they compare.

A suite is an MMEngine config file (``configs/suites/*.py``) with these fields:

``title``
    The comparison's title.
``work_dir``
    Where every run and the comparison are written (``--work-dir`` overrides it).
    ``{work_dir}`` is it as given, ``{abs_work_dir}`` as an absolute path and ``{cwd}``
    the directory the runner was started in (for options a tool resolves against its
    own work dir, such as ``feature_cache.dir``).
``variables``
    ``{name: value}`` substituted for ``{name}`` in every option, command and path of
    the suite (values may use ``{work_dir}``); ``{seed}`` is the run's seed.
``prepare``
    Commands run once before the methods, each ``dict(name=..., command=[...])``
    (a ``tools/*.py`` script and its arguments, run with the current Python), e.g. the
    offline world and its small CLIP. Each tool skips work whose output is up to date.
``seeds``
    Training seeds of the seeded stages (``randomness.seed``).
``baselines``
    Method names the paired differences are taken against; an item may be
    ``dict(name=..., label=...)`` to name the column.
``cfg_options`` / ``train_options`` / ``test_options``
    ``KEY=VALUE`` strings given to every stage's runs (both / training only / test
    only), before the stage's own. An option written ``?KEY=VALUE`` is given only to
    the configs whose value at the parent of ``KEY`` is a dict, e.g.
    ``?param_scheduler.T_max=2`` shortens the cosine schedules and leaves a config
    whose ``param_scheduler`` is a list of schedulers (the HP-DVAL code form's 1cycle,
    whose length is ``train_cfg.max_epochs``) as it is.
``tag_options``
    ``{tag: [KEY=VALUE, ...]}`` added to the training runs of the stages carrying that
    tag (e.g. a reduced schedule for the stages that train on images).
``split``
    ``'test'`` (``tools/test.py`` on the tested stage) or ``'val'`` (the training
    run's final validation, for ablations and selection; a method without training
    is tested, and the suite points its test loader at the validation list).
``protocol``
    ``'long_tailed'`` (the group mAP table) or ``'fewshot'`` (the tested stage runs
    through ``tools/fewshot.py`` with ``fewshot_args``).
``train_ann``
    The train list whose class counts the comparison plot uses (optional).
``methods``
    A list of ``dict(name=..., stages=[...], table=None)`` (config paths may use the
    variables); a stage is
    ``dict(config=..., train=True, seeded=False, init_from_previous=False,
    cfg_options=[], train_options=[], test_options=[], tags=[])``. The last stage is
    the one tested (``tested=<index>`` chooses another). ``init_from_previous``
    starts a stage from the previous stage's last checkpoint (``load_from``).
``jobs``
    Runs at once by default (``--jobs`` overrides it): a method's stages that run once,
    or one seed's train and test (:mod:`lmpt_mm.suite.runner`).
``replicates``
    An outer random factor, e.g. the pretrained CLIP: a list of
    ``dict(name=..., variables=dict(...), work_dir=None)``. The whole suite (prepare,
    every method x seed) runs once per replicate with its variables, in
    ``WORK_DIR/<name>`` (or the replicate's own ``work_dir``, e.g. an existing run of
    the same suite to reuse), and the comparison over replicates averages each paired
    difference over the seeds within a replicate, then takes a t-interval over
    replicates (:mod:`lmpt_mm.suite.replicates`).
``held_out``
    Replicates in the same form that run like the others but stay out of the
    intervals: each one's differences are checked against the 95% prediction interval
    from ``replicates`` (does a new CLIP, e.g. one pretrained on another machine, land
    where the replicates say it will?).
``settings``
    A ``selection.json`` written by ``tools/select_offline.py`` (variables allowed, so a
    replicate can name its own; empty: none): each method it names trains and tests its
    tested stage with the chosen setting, appended to the stage's ``cfg_options``.
``select_settings``
    Instead of a ready ``settings`` file, choose the settings when the suite runs
    (per replicate, so each CLIP gets its own): ``dict(suite=<selection suite>,
    methods=[...], work_dir=..., cfg_options={...})`` runs the selection protocol of
    ``tools/select_offline.py`` for ``methods`` into ``work_dir``, with ``cfg_options``
    overriding fields of the selection suite (values may use this suite's variables,
    e.g. ``{'variables.demo': '{abs_work_dir}'}`` to select on this run's own CLIP);
    its ``selection.json`` is then the ``settings``. The runner first trains the
    stages the selection reads and cannot change (those before each selected method's
    tested stage: HP-DVAL's stage 2 is selected on the run's own stage 1), then
    selects, then runs the rest (:mod:`lmpt_mm.suite.pipeline`).
``claims``
    With replicates: ``dict(text=..., method=..., baseline=..., group='total')``, a
    claim that ``method`` scores above ``baseline``; the comparison marks each one
    reproduced, contradicted, not established or depends on the replicate.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

PROTOCOLS = ('long_tailed', 'fewshot')
OPTIONAL = '?'  # marks a suite option given only to configs that have its parent dict
SPLITS = ('test', 'val')
_VARIABLE = re.compile(r'\{(\w+)\}')
_FOLDER = re.compile(r'[^A-Za-z0-9.+-]+')
_STAGE_KEYS = {'config', 'train', 'seeded', 'init_from_previous', 'cfg_options',
               'train_options', 'test_options', 'tags'}
_METHOD_KEYS = {'name', 'stages', 'tested', 'table'}


class SuiteError(ValueError):
    """A suite config that cannot be run, with the file and field named."""


@dataclass(frozen=True)
class Stage:
    """One config of a method's chain."""
    config: str
    train: bool = True
    seeded: bool = False
    init_from_previous: bool = False
    cfg_options: Tuple[str, ...] = ()
    train_options: Tuple[str, ...] = ()
    test_options: Tuple[str, ...] = ()
    tags: Tuple[str, ...] = ()

    @property
    def stem(self) -> str:
        return Path(self.config).stem


@dataclass(frozen=True)
class Method:
    """One row of the comparison: a chain of stages, one of which is tested."""
    name: str
    stages: Tuple[Stage, ...]
    tested: int = -1
    table: Optional[str] = None  # ablation suites: the table the row belongs to

    @property
    def trained(self) -> bool:
        return any(s.train for s in self.stages)

    @property
    def seeded(self) -> bool:
        return any(s.seeded for s in self.stages)

    @property
    def tested_stage(self) -> Stage:
        return self.stages[self.tested]


@dataclass(frozen=True)
class Baseline:
    name: str
    label: str


@dataclass(frozen=True)
class Replicate:
    """One level of the suite's outer random factor (e.g. one pretrained CLIP)."""
    name: str
    variables: Mapping[str, str]
    work_dir: Optional[str] = None


@dataclass(frozen=True)
class Claim:
    """A published claim: ``method`` scores above ``baseline`` on ``group``."""
    text: str
    method: str
    baseline: str
    group: str = 'total'


@dataclass(frozen=True)
class SelectSettings:
    """A selection run before the methods it chooses settings for."""
    suite: str
    methods: Tuple[str, ...]
    work_dir: str
    cfg_options: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PrepareStep:
    name: str
    command: Tuple[str, ...]


@dataclass(frozen=True)
class Suite:
    """A loaded suite (see the module docstring for the fields)."""
    path: str
    title: str
    work_dir: str
    methods: Tuple[Method, ...]
    seeds: Tuple[int, ...] = (0, )
    baselines: Tuple[Baseline, ...] = ()
    variables: Mapping[str, str] = field(default_factory=dict)
    prepare: Tuple[PrepareStep, ...] = ()
    cfg_options: Tuple[str, ...] = ()
    train_options: Tuple[str, ...] = ()
    test_options: Tuple[str, ...] = ()
    tag_options: Mapping[str, Tuple[str, ...]] = field(default_factory=dict)
    split: str = 'test'
    protocol: str = 'long_tailed'
    fewshot_args: Tuple[str, ...] = ()
    train_ann: Optional[str] = None
    jobs: int = 1
    replicates: Tuple[Replicate, ...] = ()
    held_out: Tuple[Replicate, ...] = ()
    claims: Tuple[Claim, ...] = ()
    settings: Optional[str] = None
    select_settings: Optional[SelectSettings] = None

    def settings_file(self) -> str:
        """The ``selection.json`` whose settings the methods take ('' for none)."""
        if self.select_settings is not None:
            return str(Path(self.expand(self.select_settings.work_dir)) / 'selection.json')
        return self.expand(self.settings) if self.settings is not None else ''

    def before_selection(self) -> 'Suite':
        """The steps ``select_settings`` reads and cannot change: the stages before the
        tested stage of each selected method, trained once and not tested (same work
        dirs and options as in the whole suite, so the whole suite finds them done)."""
        if self.select_settings is None:
            raise SuiteError(f'{self.path}: no select_settings')
        methods = []
        for m in self.methods:
            first = m.tested % len(m.stages)
            if m.name in self.select_settings.methods and first > 0:
                methods.append(replace(m, stages=m.stages[:first], tested=-1))
        # split='val' plans no test for a trained method
        return replace(self, methods=tuple(methods), split='val', baselines=(),
                       claims=(), settings=None, select_settings=None)

    def replicate(self, rep: Replicate) -> 'Suite':
        """This suite as one replicate runs it: its variables, its work dir."""
        work_dir = rep.work_dir or str(Path(self.work_dir) / rep.name)
        return replace(self, work_dir=work_dir, replicates=(), held_out=(), claims=(),
                       variables=dict(self.variables, **rep.variables))

    def method(self, name: str) -> Method:
        for m in self.methods:
            if m.name == name:
                return m
        raise KeyError(name)

    def expand(self, text: str, **extra: object) -> str:
        """``text`` with ``{name}`` replaced by the suite's variables (and ``extra``);
        other braces (a dict-valued option) are left as they are."""
        values = dict(self.resolved_variables(), **{k: str(v) for k, v in extra.items()})
        return _VARIABLE.sub(lambda m: values.get(m.group(1), m.group(0)), text)

    def resolved_variables(self) -> Dict[str, str]:
        """The variables with ``{work_dir}`` and references to each other filled in."""
        values = {'work_dir': str(self.work_dir),
                  'abs_work_dir': str(Path(self.work_dir).resolve()),
                  'cwd': str(Path.cwd())}
        pending = {k: str(v) for k, v in self.variables.items()}
        for _ in range(len(pending) + 1):
            for k, v in pending.items():
                values[k] = _VARIABLE.sub(lambda m: values.get(m.group(1), m.group(0)), v)
        return values

    def select(self, only: Optional[Sequence[str]] = None,
               seeds: Optional[Sequence[int]] = None,
               work_dir: Optional[str] = None) -> 'Suite':
        """This suite restricted to the methods ``only`` (baselines kept when listed
        as methods), with other ``seeds`` or another ``work_dir``."""
        suite = self
        if only:
            names = [m.name for m in self.methods]
            unknown = [n for n in only if n not in names]
            if unknown:
                raise SuiteError(f'{self.path}: no method named {unknown}; the suite has '
                                 f'{names}')
            keep = set(only)
            suite = replace(suite, methods=tuple(m for m in self.methods if m.name in keep),
                            baselines=tuple(b for b in self.baselines if b.name in keep))
            sel = self.select_settings
            if sel is not None:  # the selection chooses for the kept methods only
                chosen = tuple(m for m in sel.methods if m in keep)
                suite = replace(suite, select_settings=replace(sel, methods=chosen)
                                if chosen else None)
        if seeds is not None:
            if not seeds:
                raise SuiteError('--seeds needs at least one seed')
            suite = replace(suite, seeds=tuple(int(s) for s in seeds))
        if work_dir is not None:
            suite = replace(suite, work_dir=str(work_dir))
        return suite


def folder_name(name: str) -> str:
    """A method name as a folder name (``'Zero-shot CLIP'`` -> ``'zero-shot-clip'``)."""
    return _FOLDER.sub('-', name).strip('-').lower() or 'method'


def _strings(value: object, where: str) -> Tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise SuiteError(f'{where} must be a list of strings, got {value!r}')
    bad = [v for v in value if not isinstance(v, str)]
    if bad:
        raise SuiteError(f'{where} must hold strings (KEY=VALUE), got {bad!r}')
    return tuple(value)


def _options(value: object, where: str) -> Tuple[str, ...]:
    """``KEY=VALUE`` strings as ``--cfg-options`` takes them."""
    options = _strings(value, where)
    for option in options:
        key, sep, rest = option.partition('=')
        if not sep or not key.lstrip(OPTIONAL):
            raise SuiteError(f'{where}: {option!r} is not KEY=VALUE (or ?KEY=VALUE)')
        quoted = re.findall(r"'[^']*'|\"[^\"]*\"", rest)
        plain = not rest.lstrip().startswith(('[', '(', '{'))
        if any(re.search(r'\s', q) for q in quoted) or plain and re.search(r'\S\s+\S', rest):
            # MMEngine's --cfg-options parser deletes spaces from values: fine between
            # list items, not inside a string.
            raise SuiteError(f'{where}: {option!r} has a space in its value, which '
                             '--cfg-options would delete; set such a value in a config')
    return options


def _check_fields(raw: object, allowed: set, where: str, what: str) -> None:
    if not isinstance(raw, Mapping):
        raise SuiteError(f'{where} must be a {what}, got {raw!r}')
    unknown = set(raw) - allowed
    if unknown:
        raise SuiteError(f'{where}: unknown field(s) {sorted(unknown)}; it may have '
                         f'{sorted(allowed)}')


def _stage(raw: object, where: str) -> Stage:
    _check_fields(raw, _STAGE_KEYS, where, 'dict(config=...)')
    if not isinstance(raw.get('config'), str):
        raise SuiteError(f'{where} needs config=<path of a config file>')
    return Stage(config=raw['config'], train=bool(raw.get('train', True)),
                 seeded=bool(raw.get('seeded', False)),
                 init_from_previous=bool(raw.get('init_from_previous', False)),
                 tags=_strings(raw.get('tags'), f'{where}.tags'),
                 **{k: _options(raw.get(k), f'{where}.{k}')
                    for k in ('cfg_options', 'train_options', 'test_options')})


def _method(raw: object, where: str) -> Method:
    _check_fields(raw, _METHOD_KEYS, where, 'dict(name=..., stages=[...])')
    name = raw.get('name')
    if not isinstance(name, str) or not name:
        raise SuiteError(f'{where} needs name=<the row name>')
    stages_raw = raw.get('stages')
    if not isinstance(stages_raw, (list, tuple)) or not stages_raw:
        raise SuiteError(f'{where} ({name}) needs stages=[dict(config=...), ...]')
    stages = tuple(_stage(s, f'{where}.stages[{i}]') for i, s in enumerate(stages_raw))
    tested = int(raw.get('tested', -1))
    if not -len(stages) <= tested < len(stages):
        raise SuiteError(f'{where} ({name}): tested={tested} is not a stage index')
    if stages[0].init_from_previous:
        raise SuiteError(f'{where} ({name}): the first stage has no previous stage to '
                         'start from (init_from_previous)')
    for i, stage in enumerate(stages):
        if stage.init_from_previous and not stages[i - 1].train:
            raise SuiteError(f'{where} ({name}): stage {i} starts from stage {i - 1}, '
                             'which does not train')
        if stage.seeded and not stage.train:
            raise SuiteError(f'{where} ({name}): stage {i} is seeded but not trained')
    if any(s.seeded for s in stages[:-1]):
        raise SuiteError(f'{where} ({name}): only the last stage may be seeded (earlier '
                         'stages run once and every seed starts from them)')
    table = raw.get('table')
    return Method(name=name, stages=stages, tested=tested,
                  table=None if table is None else str(table))


def _replicates(raw: object, path: str, field_name: str = 'replicates'
                ) -> Tuple[Replicate, ...]:
    reps = []
    for i, item in enumerate(raw or ()):
        if not isinstance(item, Mapping) or not item.get('name'):
            raise SuiteError(f'{path}: {field_name}[{i}] must be dict(name=..., '
                             'variables=dict(...))')
        reps.append(Replicate(str(item['name']), {str(k): str(v) for k, v in (
            item.get('variables') or {}).items()}, item.get('work_dir')))
    return tuple(reps)


def _select_settings(raw: object, methods: Sequence[str], path: str
                      ) -> Optional[SelectSettings]:
    if raw is None:
        return None
    where = f'{path}: select_settings'
    _check_fields(raw, {'suite', 'methods', 'work_dir', 'cfg_options'}, where,
                  'dict(suite=..., methods=[...], work_dir=...)')
    for key in ('suite', 'work_dir'):
        if not isinstance(raw.get(key), str) or not raw[key]:
            raise SuiteError(f'{where} needs {key}=<path>')
    if not Path(raw['suite']).is_file():  # before prepare and stage 1 run, not after
        raise SuiteError(f'{where}: selection suite config {raw["suite"]} not found')
    chosen = _strings(raw.get('methods'), f'{where}.methods')
    unknown = [m for m in chosen if m not in methods]
    if not chosen or unknown:
        raise SuiteError(f'{where}.methods must name methods of the suite {list(methods)}, '
                         f'got {list(chosen)}')
    options = raw.get('cfg_options') or {}
    if not isinstance(options, Mapping):
        raise SuiteError(f'{where}.cfg_options must be a dict of suite fields, got '
                         f'{options!r}')
    return SelectSettings(raw['suite'], chosen, raw['work_dir'],
                          {str(k): str(v) for k, v in options.items()})


def _claims(raw: object, methods: Sequence[str], path: str) -> Tuple[Claim, ...]:
    claims = []
    for i, item in enumerate(raw or ()):
        claim = Claim(**item)
        for name in (claim.method, claim.baseline):
            if name not in methods:
                raise SuiteError(f'{path}: claims[{i}] names {name!r}, not a method of '
                                 f'the suite {list(methods)}')
        if claim.group not in ('total', 'head', 'medium', 'tail'):
            raise SuiteError(f'{path}: claims[{i}].group must be total, head, medium or '
                             f'tail, got {claim.group!r}')
        claims.append(claim)
    return tuple(claims)


def suite_from_dict(cfg: Mapping, path: str = '<suite>') -> Suite:
    """Check and convert a suite config's fields (see the module docstring)."""
    if 'methods' not in cfg:
        raise SuiteError(f'{path}: a suite needs methods=[dict(name=..., stages=[...])]')
    methods = tuple(_method(m, f'{path}: methods[{i}]')
                    for i, m in enumerate(cfg['methods']))
    names = [m.name for m in methods]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise SuiteError(f'{path}: method names must be unique, repeated: {duplicated}')
    folders = [folder_name(n) for n in names]
    clashing = sorted({n for n, f in zip(names, folders) if folders.count(f) > 1})
    if clashing:
        raise SuiteError(f'{path}: methods {clashing} would share a work-dir folder; '
                         'rename one')
    baselines = []
    for item in cfg.get('baselines') or ():
        b = (Baseline(item, item) if isinstance(item, str) else
             Baseline(item['name'], item.get('label', item['name'])))
        if b.name not in names:
            raise SuiteError(f'{path}: baseline {b.name!r} is not one of the methods {names}')
        baselines.append(b)
    seeds = tuple(int(s) for s in cfg.get('seeds', (0, )))
    if not seeds or len(set(seeds)) != len(seeds):
        raise SuiteError(f'{path}: seeds must be distinct and at least one, got {seeds}')
    split = cfg.get('split', 'test')
    if split not in SPLITS:
        raise SuiteError(f'{path}: split must be one of {SPLITS}, got {split!r}')
    protocol = cfg.get('protocol', 'long_tailed')
    if protocol not in PROTOCOLS:
        raise SuiteError(f'{path}: protocol must be one of {PROTOCOLS}, got {protocol!r}')
    prepare = []
    for i, step in enumerate(cfg.get('prepare') or ()):
        if not isinstance(step, Mapping) or 'command' not in step:
            raise SuiteError(f'{path}: prepare[{i}] must be dict(name=..., command=[...])')
        command = _strings(step['command'], f'{path}: prepare[{i}].command')
        prepare.append(PrepareStep(str(step.get('name', command[0])), command))
    tag_options = {str(k): _options(v, f'{path}: tag_options.{k}')
                   for k, v in (cfg.get('tag_options') or {}).items()}
    jobs = int(cfg.get('jobs', 1))
    if jobs < 1:
        raise SuiteError(f'{path}: jobs must be at least 1, got {jobs}')
    suite = Suite(
        path=path, title=str(cfg.get('title', Path(path).stem)),
        work_dir=str(cfg.get('work_dir') or f'work_dirs/suites/{Path(path).stem}'),
        methods=methods, seeds=seeds, baselines=tuple(baselines),
        variables={str(k): str(v) for k, v in (cfg.get('variables') or {}).items()},
        prepare=tuple(prepare),
        cfg_options=_options(cfg.get('cfg_options'), f'{path}: cfg_options'),
        train_options=_options(cfg.get('train_options'), f'{path}: train_options'),
        test_options=_options(cfg.get('test_options'), f'{path}: test_options'),
        tag_options=tag_options, split=split, protocol=protocol,
        fewshot_args=_strings(cfg.get('fewshot_args'), f'{path}: fewshot_args'),
        train_ann=cfg.get('train_ann'), jobs=jobs,
        replicates=_replicates(cfg.get('replicates'), path),
        held_out=_replicates(cfg.get('held_out'), path, 'held_out'),
        claims=_claims(cfg.get('claims'), names, path),
        settings=None if cfg.get('settings') is None else str(cfg.get('settings')),
        select_settings=_select_settings(cfg.get('select_settings'), names, path))
    if suite.settings is not None and suite.select_settings is not None:
        raise SuiteError(f'{path}: settings and select_settings both name where the '
                         'settings come from; keep one')
    all_reps = [r.name for r in suite.replicates + suite.held_out]
    if len(set(all_reps)) != len(all_reps):
        raise SuiteError(f'{path}: replicate names (held_out included) must be unique, '
                         f'got {all_reps}')
    if suite.held_out and len(suite.replicates) < 2:
        raise SuiteError(f'{path}: held_out replicates are checked against a prediction '
                         'interval over `replicates`, which needs at least 2 of them')
    # Config paths may name variables (a suite base shared by VOC-LT and COCO-LT).
    return replace(suite, methods=tuple(
        replace(m, stages=tuple(replace(s, config=suite.expand(s.config)) for s in m.stages))
        for m in suite.methods))


def load_suite(path: str, cfg_options: Optional[dict] = None) -> Suite:
    """Read a suite config file (``cfg_options``: overrides, as ``--cfg-options``)."""
    from mmengine.config import Config

    if not Path(path).is_file():
        raise SuiteError(f'suite config {path} not found')
    cfg = Config.fromfile(path)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    return suite_from_dict(cfg.to_dict(), path)


def chosen_settings(path: str) -> Dict[str, Dict[str, object]]:
    """method -> its chosen setting (config key -> value) in a ``selection.json``."""
    file = Path(path)
    if not file.is_file():
        raise SuiteError(f'settings file {path} does not exist: run tools/select_offline.py '
                         'for this suite (its selection.json) first')
    try:
        methods = json.loads(file.read_text())['methods']
        return {name: dict(m['choice']['setting']) for name, m in methods.items()}
    except (ValueError, KeyError, TypeError) as err:
        raise SuiteError(f'settings file {path} is not a selection.json of '
                         f'tools/select_offline.py ({type(err).__name__}: {err})') from None


def settings_options(suite: Suite, stage: Stage) -> List[str]:
    """``key=value`` options of the suite's ``settings`` for the method whose tested
    stage is ``stage`` (none when the file does not name the method)."""
    path = suite.settings_file()
    if not path:
        return []
    chosen = chosen_settings(path)
    for method in suite.methods:
        if method.tested_stage is stage and method.name in chosen:
            return [f'{k}={v}' for k, v in chosen[method.name].items()]
    return []


def options_of(suite: Suite, stage: Stage, action: str) -> List[str]:
    """The suite's and the stage's options for one action (``train`` / ``test``),
    then the chosen setting of the suite's ``settings`` file; ``?KEY=VALUE`` options
    resolved against the stage's config (:func:`applicable_options`)."""
    opts = list(suite.cfg_options) + list(stage.cfg_options) + settings_options(suite, stage)
    if action == 'train':
        opts += list(suite.train_options) + list(stage.train_options)
        for tag in stage.tags:
            opts += list(suite.tag_options.get(tag, ()))
    else:
        opts += list(suite.test_options) + list(stage.test_options)
    return applicable_options(stage.config, opts)


def applicable_options(config: str, options: Sequence[str]) -> List[str]:
    """``options`` with each optional one (``?KEY=VALUE``) kept, unmarked, where the
    config file's value at the parent of ``KEY`` is a dict, and dropped elsewhere."""
    if not any(o.startswith(OPTIONAL) for o in options):
        return list(options)
    cfg = _config_dict(config, Path(config).stat().st_mtime_ns)
    kept = []
    for option in options:
        if not option.startswith(OPTIONAL):
            kept.append(option)
            continue
        node: object = cfg
        for part in option[1:].partition('=')[0].split('.')[:-1]:
            node = node.get(part) if isinstance(node, Mapping) else None
        if isinstance(node, Mapping):
            kept.append(option[1:])
    return kept


@lru_cache(maxsize=64)
def _config_dict(config: str, mtime_ns: int) -> dict:
    """A config file resolved to a dict (cached while the file is unchanged)."""
    from mmengine.config import Config

    return Config.fromfile(config).to_dict()
