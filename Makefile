# spine — developer commands. Plain `make` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PY_VERSION := $(shell cat .python-version)
# The interpreter .python-version selects: pyenv when present, else pythonX.Y on PATH.
PYTHON := $(shell (pyenv which python 2>/dev/null || command -v python$(PY_VERSION)) | head -n 1)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Tools that look for executables on PATH (pytest-mypy-plugins, subprocess tests) find the venv's.
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: help install demo fmt lint type test typing typesafety bench check clean

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-11s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(STAMP): pyproject.toml .python-version
	@test -n "$(PYTHON)" || { echo "no Python $(PY_VERSION) found (pyenv or python$(PY_VERSION) on PATH)"; exit 2; }
	@$(PYTHON) -c 'import sys; v = "$(PY_VERSION)".split("."); sys.exit(0 if sys.version_info[:2] == (int(v[0]), int(v[1])) else "$(PYTHON) is not Python $(PY_VERSION)")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[all,dev]'
	@touch $(STAMP)

install: $(STAMP) ## Create .venv with the pinned Python and install spine with every extra

demo: $(STAMP) ## Run the main job: a durable weekly market pipeline on embedded SQLite
	$(BIN)/python -m spine demo

fmt: $(STAMP) ## Format and autofix
	$(BIN)/ruff format spine tests examples bench
	$(BIN)/ruff check --fix spine tests examples bench

lint: $(STAMP) ## ruff (lint + format check) and the import contracts
	$(BIN)/ruff check spine tests examples bench
	$(BIN)/ruff format --check spine tests examples bench
	$(BIN)/lint-imports

type: $(STAMP) ## mypy --strict over spine, tests, examples; pyright over spine and tests/typing
	$(BIN)/mypy
	$(BIN)/basedpyright

test: $(STAMP) ## Every test: unit, property, integration, doctests, docs, typing facts
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)
	@$(MAKE) --no-print-directory typesafety typing

typing: $(STAMP) ## The typing facts in tests/typing (checked by mypy --strict and pyright, never run)
	$(BIN)/mypy tests/typing
	$(BIN)/basedpyright tests/typing

typesafety: $(STAMP) ## What mypy says about wrong code (pytest-mypy-plugins cases)
	$(BIN)/python -m pytest -q -p no:cacheprovider -p no:hypothesispytest typesafety --mypy-ini-file=mypy.ini --mypy-same-process

bench: $(STAMP) ## Speed, as ratios against baselines measured in the same run
	@for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

check: lint type test ## What CI runs: lint + type + test (test includes typesafety and typing)

clean: ## Remove the venv and caches
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache .hypothesis build dist *.egg-info
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
