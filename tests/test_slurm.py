"""SLURM: the user profile resolves from the repository root, and the tiny config runs through a
real single-node cluster (tests/slurm_cluster.py) with GPU requests, a retried cancellation and a
real failure."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
import yaml
from snakemake.cli import parse_args

from tests.conftest import REPO, SNAKEMAKE, tiny_config
from tests.slurm_cluster import SlurmCluster, missing_binaries, slurm_cluster

pytestmark = pytest.mark.slurm

TEST_PROFILE = REPO / "tests/slurm-profile"
# the rules of families with `gpu: 1` (below)
GPU_RULES = ("train_baseline", "train_expert", "train_fuser", "train_multitask_expert")
SUBMITTED = re.compile(r"Job \S+ has been submitted with SLURM jobid (\d+) \(log: (\S+)\)")


@pytest.fixture(scope="session")
def slurm() -> Iterator[SlurmCluster]:
    """A running test cluster; skips only when SLURM is not installed (fails under CI)."""
    missing = missing_binaries()
    if missing:
        reason = f"SLURM/munge not installed ({', '.join(missing)}): run .ci/install-system.sh"
        if os.environ.get("MMOE_REQUIRE_SLURM") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    with slurm_cluster() as cluster:
        yield cluster


def slurm_snakemake(
    cluster: SlurmCluster, workdir: Path, *args: str
) -> subprocess.CompletedProcess:
    """`snakemake --profile slurm` (the user's profile) plus the test cluster's overrides."""
    command = [
        *SNAKEMAKE,
        "--snakefile",
        str(REPO / "Snakefile"),
        "--configfile",
        str(workdir / "config.yaml"),
        "--profile",
        str(REPO / "slurm"),
        "--profile",
        str(TEST_PROFILE),
        "--verbose",  # logs the sbatch calls
        *args,
    ]
    env = {**cluster.env, "OMP_NUM_THREADS": "1"}
    return subprocess.run(
        command, cwd=workdir, env=env, capture_output=True, text=True, timeout=900
    )


def jobs(cluster: SlurmCluster) -> dict[str, dict[str, str]]:
    """The controller's job records (kept for MinJobAge=600 s), by job id."""
    records = {}
    for line in cluster.run("scontrol", "show", "job", "--oneliner").stdout.splitlines():
        fields = dict(f.split("=", 1) for f in line.split() if "=" in f)
        records[fields["JobId"]] = fields
    return records


def job_commands(cluster: SlurmCluster, job_id: str) -> str:
    """The command lines of a running job's processes (proctrack/linuxproc knows them)."""
    out = cluster.run("scontrol", "listpids", job_id, check=False).stdout
    commands = []
    for line in out.splitlines()[1:]:
        with suppress(OSError):
            commands.append(Path(f"/proc/{line.split()[0]}/cmdline").read_bytes().decode())
    return "\n".join(commands)


def cancel_mid_training(cluster: SlurmCluster, found: list[str], stop: threading.Event) -> None:
    """scancel the first train_expert job once its training script is running."""
    while not stop.is_set():
        out = cluster.run("squeue", "-h", "-t", "RUNNING", "-o", "%i %k", check=False).stdout
        for job_id, comment in (line.split(maxsplit=1) for line in out.splitlines()):
            if comment.startswith("rule_train_expert_") and "train_model.py" in job_commands(
                cluster, job_id
            ):
                cluster.run("scancel", job_id)
                found.append(job_id)
                return
        time.sleep(0.2)


@dataclass
class SlurmRun:
    workdir: Path
    result: subprocess.CompletedProcess
    seconds: float
    cancelled: str  # the scancel'led training job
    jobs: dict[str, dict[str, str]]  # the controller's records right after the run
    submitted: dict[str, str]  # job id -> the plugin's log file, from snakemake's log


@pytest.fixture(scope="module")
def slurm_tiny(slurm, tmp_path_factory) -> SlurmRun:
    """The tiny config through SLURM, GPU stages requesting a GPU, one training job scancel'led
    while its script runs."""
    workdir = tmp_path_factory.mktemp("slurm_tiny")
    config = yaml.safe_load((REPO / "tests/configs/tiny.yaml").read_text())
    for family in config["families"].values():
        family.setdefault("resources", {})["gpu"] = 1
    tiny_config(workdir, families=config["families"])
    cancelled: list[str] = []
    stop = threading.Event()
    canceller = threading.Thread(target=cancel_mid_training, args=(slurm, cancelled, stop))
    canceller.start()
    start = time.monotonic()
    try:
        result = slurm_snakemake(slurm, workdir, "all")
    finally:
        stop.set()
        canceller.join()
    seconds = time.monotonic() - start
    assert result.returncode == 0, f"{result.stdout[-3000:]}\n{result.stderr[-8000:]}"
    assert cancelled, "no train_expert job was seen training"
    submitted = {
        job_id: log.replace("%j", job_id) for job_id, log in SUBMITTED.findall(result.stderr)
    }
    return SlurmRun(workdir, result, seconds, cancelled[0], jobs(slurm), submitted)


@pytest.fixture(scope="module")
def slurm_tiny_cpu(slurm, tmp_path_factory) -> SlurmRun:
    """The tiny config as it ships (CPU families) through SLURM: the profile's group jobs."""
    workdir = tmp_path_factory.mktemp("slurm_tiny_cpu")
    tiny_config(workdir)
    start = time.monotonic()
    result = slurm_snakemake(slurm, workdir, "all")
    seconds = time.monotonic() - start
    assert result.returncode == 0, f"{result.stdout[-3000:]}\n{result.stderr[-8000:]}"
    submitted = {
        job_id: log.replace("%j", job_id) for job_id, log in SUBMITTED.findall(result.stderr)
    }
    return SlurmRun(workdir, result, seconds, "", jobs(slurm), submitted)


def test_profile_resolves_from_repo_root(tmp_path, monkeypatch):
    """`snakemake --profile slurm all` in the repository root picks up slurm/config.yaml."""
    config = tiny_config(tmp_path)
    command = ["--profile", "slurm", "-n", "all", "--directory", str(tmp_path)]
    result = subprocess.run(
        [*SNAKEMAKE, *command, "--configfile", str(config)],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    assert "Using profile slurm for setting default command line arguments." in result.stderr
    monkeypatch.chdir(REPO)
    _, args = parse_args(command)
    assert args.executor == "slurm"
    assert args.rerun_incomplete
    assert args.retries >= 1


def assert_same_tables(workdir: Path, reference: Path) -> None:
    ours = sorted(p.name for p in (workdir / "results/tables").glob("*.csv"))
    assert ours == sorted(p.name for p in (reference / "results/tables").glob("*.csv"))
    for name in ours:
        # rtol: the dataset-level PID (pid.csv) varies in the 13th digit between any two runs
        pd.testing.assert_frame_equal(
            pd.read_csv(workdir / "results/tables" / name),
            pd.read_csv(reference / "results/tables" / name),
            check_exact=False,
            rtol=1e-9,
            atol=1e-12,
            obj=name,
        )


def test_tables_match_a_local_run(slurm_tiny, tiny_run):
    assert_same_tables(slurm_tiny.workdir, tiny_run)
    print(f"tiny config through SLURM: {slurm_tiny.seconds:.0f} s")


def test_gpu_families_submit_one_model_per_job(slurm_tiny):
    # 2 x (single model, 3 rus + 5 five-type experts, 2 fusers) + 3 multitask experts, one group
    # job for the embeddings and unimodal labels, and the retry of the cancelled job (without
    # groups: 33 submissions and the retry)
    print(f"tiny config, GPU families: {len(slurm_tiny.submitted)} sbatch submissions")
    assert len(slurm_tiny.submitted) == 2 * (1 + 3 + 5 + 2) + 3 + 1 + 1


def test_cpu_families_train_in_two_submissions(slurm, slurm_tiny_cpu, tiny_run):
    """One group job embeds and labels both datasets, one trains every model (33 sbatch
    submissions without groups), and the tables equal a local run's."""
    submitted = slurm_tiny_cpu.submitted
    seconds = slurm_tiny_cpu.seconds
    print(f"tiny config, CPU families: {len(submitted)} sbatch submissions, {seconds:.0f} s")
    assert len(submitted) == 2
    records = [slurm_tiny_cpu.jobs[job_id] for job_id in submitted]
    assert all(r["JobState"] == "COMPLETED" for r in records)
    assert all(int(r["NumCPUs"]) <= 8 for r in records)  # the profile's `cores`
    workdir = slurm_tiny_cpu.workdir
    assert_same_tables(workdir, tiny_run)
    models = [p.relative_to(tiny_run) for p in tiny_run.glob("results/**/models/**/seed*")]
    assert len(models) == 2 * (1 + 3 + 5 + 2) + 3
    assert all((workdir / model).is_dir() for model in models)


def test_jobs_went_through_slurmctld(slurm, slurm_tiny):
    assert slurm_tiny.submitted, "no SLURM submissions in snakemake's log"
    ctld_log = slurm.ctld_log.read_text()
    for job_id, log in slurm_tiny.submitted.items():
        assert f"JobId={job_id} " in ctld_log, job_id
        assert Path(log).is_file(), log
        expected = "CANCELLED" if job_id == slurm_tiny.cancelled else "COMPLETED"
        assert slurm_tiny.jobs[job_id]["JobState"] == expected, job_id


def test_gpu_stages_request_gpus_cpu_stages_do_not(slurm_tiny):
    records = [slurm_tiny.jobs[job_id] for job_id in slurm_tiny.submitted]
    prefixes = tuple(f"rule_{rule}_" for rule in GPU_RULES)
    gpu = [r for r in records if r["Comment"].startswith(prefixes)]
    assert gpu
    assert all(r.get("TresPerJob") == "gres:gpu:1" for r in gpu)
    assert not any("gpu" in r.get("TresPerJob", "") for r in records if r not in gpu)
    assert "--gpus=1" in slurm_tiny.result.stderr


def test_cancelled_training_job_is_retried(slurm_tiny):
    records = slurm_tiny.jobs
    cancelled = records[slurm_tiny.cancelled]
    assert cancelled["JobState"] == "CANCELLED"
    retries = [
        r
        for job_id, r in records.items()
        if int(job_id) > int(slurm_tiny.cancelled) and r["Comment"] == cancelled["Comment"]
    ]
    assert [r["JobState"] for r in retries] == ["COMPLETED"]


def test_real_failure_fails_the_run_with_the_rules_log(slurm, slurm_tiny, tmp_path):
    workdir = tmp_path / "broken"
    shutil.copytree(slurm_tiny.workdir, workdir)
    (workdir / "results/mustard/data.parquet").write_bytes(b"not a parquet file")
    result = slurm_snakemake(slurm, workdir, "all")
    out = result.stdout + result.stderr
    assert result.returncode != 0
    logs = re.findall(r"Error in rule \w+:.*?\n\s+log: (logs/\S+?\.log)", out, re.DOTALL)
    assert logs, out[-4000:]
    assert all((workdir / log).is_file() for log in logs)
    # the failed job ran through SLURM (the embedding reading the data runs in a group job)
    assert re.search(r"\.snakemake/slurm_logs/(rule|group)_", out), out[-4000:]
