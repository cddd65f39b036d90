"""Shared fixtures: repository paths and a workflow runner on a temporary working directory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SNAKEMAKE = [sys.executable, "-m", "snakemake"]


def tiny_config(workdir: Path, **overrides) -> Path:
    """Write the tiny config with absolute input paths into ``workdir``; return its path."""
    config = yaml.safe_load((REPO / "tests/configs/tiny.yaml").read_text())
    config["reported"] = str(SHARED / "paper/reported.yaml")
    config["datasets"]["mustard"]["path"] = str(REPO / "tests/data/mustard_subset.json")
    config.update(overrides)
    path = workdir / "config.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def run_snakemake(
    workdir: Path, *args: str, configfile: Path | None = None, check: bool = True
) -> subprocess.CompletedProcess:
    """Run the repository's workflow in ``workdir`` with its ``config.yaml`` (or ``configfile``)."""
    command = [
        *SNAKEMAKE,
        "--snakefile",
        str(REPO / "Snakefile"),
        "--directory",
        str(workdir),
        "--configfile",
        str(configfile or workdir / "config.yaml"),
        *args,
    ]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    result = subprocess.run(command, capture_output=True, text=True, env=env, cwd=workdir)
    if check and result.returncode != 0:
        raise AssertionError(f"snakemake failed:\n{result.stdout[-4000:]}\n{result.stderr[-6000:]}")
    return result


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory) -> Path:
    """The tiny config run once to completion; tests read its results (do not modify them)."""
    workdir = tmp_path_factory.mktemp("tiny")
    tiny_config(workdir)
    run_snakemake(workdir, "--cores", "2", "all")
    return workdir
