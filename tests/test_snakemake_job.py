"""run_stage: a stage function called by keyword from a Snakemake job's named items."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from snakemake.iocontainers import Namedlist

from mmoe.snakemake_job import job_arguments, run_stage


def named(**items) -> Namedlist:
    return Namedlist(fromdict=items)


def job(tmp_path, input=None, output=None, params=None, wildcards=None, threads=1):
    return SimpleNamespace(
        input=named(**(input or {})),
        output=named(**(output or {})),
        params=named(**(params or {})),
        wildcards=named(**(wildcards or {})),
        threads=threads,
        log=[str(tmp_path / "job.log")],
    )


def stage(*, data, scores, gamma, seed, dataset, threads=1, optional="default"):
    return {"data": data, "scores": scores, "gamma": gamma, "seed": seed,
            "dataset": dataset, "threads": threads, "optional": optional}  # fmt: skip


def test_every_argument_is_taken_by_name_from_its_source(tmp_path):
    the_job = job(
        tmp_path,
        input={"data": "d.parquet", "unread": "x"},
        output={"scores": "s.csv"},
        params={"gamma": 0.5},
        wildcards={"seed": "3", "dataset": "mustard"},
        threads=4,
    )
    assert job_arguments(stage, the_job) == {
        "data": "d.parquet",
        "scores": "s.csv",
        "gamma": 0.5,
        "seed": 3,  # a digits-only wildcard arrives as a number
        "dataset": "mustard",
        "threads": 4,
    }
    assert run_stage(stage, the_job)["optional"] == "default"
    assert (tmp_path / "job.log").exists()


def test_a_name_in_two_sources_is_refused_with_both(tmp_path):
    the_job = job(
        tmp_path,
        input={"data": "d.parquet"},
        output={"scores": "s.csv"},
        params={"gamma": 0.5, "data": "other"},
        wildcards={"seed": "0", "dataset": "m"},
    )
    with pytest.raises(TypeError, match="'data' is named by both the job's input and its params"):
        job_arguments(stage, the_job)


def test_a_parameter_the_rule_does_not_name_is_refused_by_name(tmp_path):
    the_job = job(tmp_path, input={"data": "d"}, output={"scores": "s"}, wildcards={"seed": "0"})
    with pytest.raises(TypeError, match=r"stage needs \['gamma', 'dataset'\]"):
        job_arguments(stage, the_job)
