# `make demo`: set up .venv and run the offline demo end to end.
# `make test`: set up .venv and run the test suite.
# Setup is idempotent: the stamp file is rebuilt only when the pins change.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.lmpt_mm_installed
PYTEST_ARGS ?=

.PHONY: setup test demo ablations clean-demo

setup: $(STAMP)

$(STAMP): requirements.txt setup.py
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $(STAMP)

test: setup
	$(PY) -m pytest tests $(PYTEST_ARGS)

demo: setup
	$(PY) tools/demo.py

# Ablation tables on the validation split -> work_dirs/demo/ablations.md (README).
ablations: setup
	$(PY) tools/ablations.py

clean-demo:
	rm -rf work_dirs/demo data/synthetic_lt
