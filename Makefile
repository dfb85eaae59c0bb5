# `make demo`: set up .venv and run the offline demo end to end.
# `make test`: set up .venv and run the test suite (CI runs this).
# `make test-fast`: the same without the end-to-end tests marked `slow`.
# Setup is idempotent: the stamp file is rebuilt only when the pins change.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.lmpt_mm_installed
PYTEST_ARGS ?=
# Test files run in parallel, whole files per worker (module fixtures are built once),
# in collection order (tests/conftest.py puts the longest file first), not xdist's
# default of files with the most tests first.
PYTEST_WORKERS ?= 2
XDIST := -n $(PYTEST_WORKERS) --dist loadfile --no-loadscope-reorder

.PHONY: setup test test-fast demo yardstick ablations select clean-demo fewshot-demo

setup: $(STAMP)

# The pins are installed with uv, which unpacks wheels in parallel (the CUDA build of torch:
# 47 s here against pip's 94 s, bytecode compiled by both), from the sources pip is
# configured with (tools/uv_sources.py); where uv fails, pip installs them instead.
# INSTALLER=pip skips uv.
INSTALLER ?= uv
UV_VERSION := 0.13.9
PIP_INSTALL := $(PY) -m pip install --quiet --disable-pip-version-check

$(STAMP): requirements.txt setup.py tools/uv_sources.py
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
ifeq ($(INSTALLER),uv)
	$(PIP_INSTALL) uv==$(UV_VERSION)
	$(VENV)/bin/uv pip install --quiet --compile-bytecode --python $(PY) \
		$$($(PY) tools/uv_sources.py) -r requirements.txt \
		|| { echo "uv could not install requirements.txt; installing with pip"; \
		     $(PIP_INSTALL) -r requirements.txt; }
else
	$(PIP_INSTALL) -r requirements.txt
endif
	$(PIP_INSTALL) --no-deps --no-build-isolation -e .
	@touch $(STAMP)

test: setup
	$(PY) -m pytest tests $(XDIST) $(PYTEST_ARGS)

test-fast: setup
	$(PY) -m pytest tests -m "not slow" $(XDIST) $(PYTEST_ARGS)

# The offline demo is one comparison suite (configs/suites/offline_demo.py); extra
# tools/run_suite.py options in DEMO_ARGS (e.g. DEMO_ARGS="--jobs 1": one run at a time
# instead of the suite's two).
demo: setup
	$(PY) tools/run_suite.py configs/suites/offline_demo.py $(DEMO_ARGS)

# The offline demo on three small CLIPs (pretraining seeds 0, 1, 2) and a held-out fourth,
# each CLIP's prompt methods selected on that CLIP first (make select's protocol), paired
# differences with intervals over CLIPs and the papers' claims judged from them
# (resumable; reuses the demo's runs and make select's trials as CLIP 0)
# -> work_dirs/yardstick/comparison_replicates.md (README).
yardstick: setup
	$(PY) tools/run_suite.py configs/suites/offline_yardstick.py $(DEMO_ARGS)

# Ablation tables on the validation split (a suite, configs/suites/offline_ablations.py)
# -> work_dirs/ablations/comparison.md (README).
ablations: setup
	$(PY) tools/run_suite.py configs/suites/offline_ablations.py

# Selection of the offline methods' hyper-parameters on the validation split, equal
# budgets (after `make demo`; configs/suites/offline_selection.py)
# -> work_dirs/selection/selection.md (README).
select: setup
	$(PY) tools/select_offline.py

clean-demo:
	rm -rf work_dirs/demo data/synthetic_lt

# Multi-label few-shot protocol (HP-DVAL Table II) on the offline world: zero-shot CLIP,
# CoOp, HP-DVAL; 14 base / 6 novel classes, 10 episodes per K in {1, 5}. Shares the world
# and the small CLIP with `make demo`. Results: work_dirs/fewshot_demo/fewshot.md.
fewshot-demo: setup
	$(PY) tools/run_suite.py configs/suites/offline_fewshot.py $(FEWSHOT_DEMO_ARGS)
