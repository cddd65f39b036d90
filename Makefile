# Two entry points (see README): `make run` sets up and runs the workflow's `all` on the
# embedded default config; `make test` sets up and runs the checks and the test suite.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
CORES ?= 2
EXTRAS := train,workflow,llm,bench,dev

.PHONY: setup run test lint

setup: $(VENV)/.installed

# torch is pinned and installed first so that nothing pulls a CUDA build.
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q -e ".[$(EXTRAS)]"
	touch $@

run: setup
	$(BIN)/snakemake --cores $(CORES) all

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/snakefmt --check Snakefile workflow
	$(BIN)/snakemake --lint

test: setup lint
	bash .ci/install-system.sh
	MMOE_REQUIRE_SLURM=1 $(BIN)/python -m pytest
