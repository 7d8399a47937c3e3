# Quickstart: `make repro` runs the pipeline, `make test` runs the tests.
# Both create .venv from the committed lock files on first use and skip that when nothing changed.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip install --quiet --disable-pip-version-check

# stages run as `python -m stages.<name>`: DVC must find the venv's python first
export PATH := $(abspath $(BIN)):$(PATH)

.DEFAULT_GOAL := help
.PHONY: help repro test lint serve report bench dask dask-scheduler dask-worker lock clean

help:
	@echo "make repro   run the whole pipeline on built-in data (dvc repro)"
	@echo "make test    run the test suite"
	@echo "make lint    ruff check: pyflakes, pycodestyle (120 columns), isort, bugbear (pyproject.toml)"
	@echo "make serve   the web page and JSON API over the saved models on http://$(HOST):$(PORT)/"
	@echo "make report  markdown of params, metrics and plots changed against BASE (default main)"
	@echo "make bench   run benchmarks/*.py (speed ratios, printed from one run)"
	@echo "make dask    add the Dask extra (compute.backend: dask); make dask-scheduler / dask-worker SCHEDULER=tcp://host:8786"
	@echo "make lock    re-pin requirements*.lock after editing pyproject.toml"
	@echo "make clean   remove .venv and pipeline outputs"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "error: Python 3.11+ is needed, $(PYTHON) is " + sys.version.split()[0] + "; run: make PYTHON=python3.11 ...")'
	$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); echo "error: '$(PYTHON) -m venv' failed; on Debian/Ubuntu install python3-venv"; exit 1; }

$(VENV)/.installed: requirements.lock | $(BIN)/python
	@echo "Installing the pinned dependencies into $(VENV) (first run only; about 2 minutes, 3 GB)..."
	$(PIP) -r requirements.lock
	@touch $@

$(VENV)/.installed-test: requirements-test.lock $(VENV)/.installed
	$(PIP) -r requirements-test.lock
	@touch $@

# the last screen is the run's summary (reports/summary.md, written by the summary stage from the metrics files)
repro: $(VENV)/.installed
	PIPELINE_WIDTH=120 dvc repro
	@echo
	@cat reports/summary.md

$(VENV)/.installed-dask: requirements-dask.lock $(VENV)/.installed
	$(PIP) -r requirements-dask.lock
	@touch $@

# two workers, one test file each at a time (--dist loadfile): the end-to-end module's one repro'd project stays on
# one worker while the other runs the rest; 17 minutes instead of about 27 one after the other, on 2 cores
TEST_WORKERS ?= 2
test: $(VENV)/.installed-test $(VENV)/.installed-dask
	python -m pytest -n $(TEST_WORKERS) --dist loadfile

lint: $(VENV)/.installed-test
	ruff check .

HOST ?= 127.0.0.1
PORT ?= 8000
serve: $(VENV)/.installed
	python -m serve.app --host $(HOST) --port $(PORT)

BASE ?= main
report: $(VENV)/.installed
	python tools/report.py --base $(BASE) --out build/report

bench: $(VENV)/.installed
	@for script in benchmarks/*.py; do \
		echo "== $$script"; python -m benchmarks.$$(basename $$script .py) || exit 1; \
	done

# A Dask cluster over several machines (README: Scaling out): one scheduler, workers on every machine,
# each started from a checkout of the same commit: the scheduler unpickles the tasks, the workers run them,
# so both import stages/.
DASK_PORT ?= 8786
WORKERS   ?= 2
dask: $(VENV)/.installed-dask

dask-scheduler: $(VENV)/.installed-dask
	PYTHONPATH=$(CURDIR) dask scheduler --port $(DASK_PORT) --no-dashboard

dask-worker: $(VENV)/.installed-dask
	@test -n "$(SCHEDULER)" || { echo "error: give the scheduler's address: make dask-worker SCHEDULER=tcp://host:$(DASK_PORT)"; exit 2; }
	PYTHONPATH=$(CURDIR) dask worker $(SCHEDULER) --nworkers $(WORKERS) --nthreads 1 --no-dashboard

lock:
	PYTHON=$(PYTHON) tools/lock.sh

clean:
	rm -rf $(VENV) data/interim data/prepared data/images models
