"""Shared fixtures: repository paths and a workflow runner on a temporary working directory."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = [sys.executable, "-m", "snakemake"]


def tiny_config(workdir: Path, **overrides) -> Path:
    """Write the tiny config with absolute input paths into ``workdir``; return its path."""
    config = yaml.safe_load((REPO / "tests/configs/tiny.yaml").read_text())
    # a copy in the run's own folder, so that a test may append rows to it
    shutil.copy(REPO / "tests/data/mustard_subset.json", workdir / "mustard.json")
    config["datasets"]["mustard"]["path"] = "mustard.json"
    config.update(overrides)
    path = workdir / "config.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def run_snakemake(
    workdir: Path,
    *args: str,
    configfile: Path | None = None,
    check: bool = True,
    snakefile: Path = REPO / "Snakefile",
) -> subprocess.CompletedProcess:
    """Run the repository's workflow (or ``snakefile``) in ``workdir`` with its ``config.yaml``
    (or ``configfile``)."""
    command = [
        *SNAKEMAKE,
        "--snakefile",
        str(snakefile),
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


def under_ci() -> bool:
    """True in CI (``CI=true``, or ``make test``'s ``MMOE_REQUIRE_SLURM=1``): every system tool
    the tests need must then be installed (``.ci/install-system.sh``)."""
    return os.environ.get("CI") == "true" or os.environ.get("MMOE_REQUIRE_SLURM") == "1"


def require_tools(*names: str) -> None:
    """Skip the calling test when a system tool is missing; fail instead under CI."""
    missing = [name for name in names if shutil.which(name) is None]
    if missing:
        reason = f"{', '.join(missing)} not installed: run .ci/install-system.sh"
        if under_ci():
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.fixture
def ffmpeg() -> None:
    """Tests that extract video frames."""
    require_tools("ffmpeg")
