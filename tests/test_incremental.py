"""Incrementality on the tiny run: what an edited config reruns (dry runs, nothing executed)."""

import re

import pytest
import yaml

from tests.conftest import run_snakemake

pytestmark = pytest.mark.slow

AGGREGATES = {"tables", "all"}
MULTITASK = {"train_multitask_expert", "fuse_multitask", "evaluate_multitask"}


def _edited(tiny_run, tmp_path, edit) -> str:
    """Path of a copy of the tiny run's config changed by ``edit``."""
    config = yaml.safe_load((tiny_run / "config.yaml").read_text())
    edit(config)
    path = tmp_path / "edited.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def _planned(tiny_run, configfile, *args: str) -> list[tuple[str, dict]]:
    """(rule, wildcards) of every job a dry run with ``configfile`` would execute."""
    result = run_snakemake(tiny_run, "-n", "--cores", "1", "all", *args, configfile=configfile)
    jobs = []
    for block in re.split(r"\n(?=(?:local)?rule \w+:)", result.stdout):
        rule = re.match(r"(?:local)?rule (\w+):", block.strip())
        if rule:
            found = re.search(r"^\s*wildcards: (.*)$", block, re.MULTILINE)
            pairs = found.group(1).split(", ") if found else []
            jobs.append((rule.group(1), dict(p.split("=", 1) for p in pairs)))
    return jobs


# Params-only reruns are checked with ``-n --rerun-triggers params``: ``--list-changes params`` of
# Snakemake 9.27 lists every output with recorded params, changed or not (ParamsChange.__iter__).
TRIGGERS = [(), ("--rerun-triggers", "params")]


@pytest.mark.parametrize("triggers", TRIGGERS)
def test_editing_one_dataset_reruns_only_its_jobs_and_the_tables(tiny_run, tmp_path, triggers):
    def edit(config):
        config["datasets"]["mustard"]["labeling"]["params"]["C"] = 0.1

    jobs = _planned(tiny_run, _edited(tiny_run, tmp_path, edit), *triggers)
    assert {rule for rule, wildcards in jobs if not wildcards} == AGGREGATES
    assert {w["dataset"] for rule, w in jobs if w and rule not in MULTITASK} == {"mustard"}
    assert {"label_unimodal", "train_expert", "evaluate"} <= {rule for rule, _ in jobs}
    # the experts pooled over mustard and synthetic (RQ4) depend on mustard's partition
    assert {rule for rule, _ in jobs} >= MULTITASK


@pytest.mark.parametrize("triggers", TRIGGERS)
def test_adding_a_seed_reruns_only_that_seeds_jobs_and_the_tables(tiny_run, tmp_path, triggers):
    configfile = _edited(tiny_run, tmp_path, lambda config: config["seeds"].append(7))
    jobs = _planned(tiny_run, configfile, *triggers)
    assert {rule for rule, wildcards in jobs if not wildcards} == AGGREGATES
    assert {w.get("seed") for _, w in jobs if w} == {"7"}
    assert {"train_expert", "train_fuser", "fuse", "evaluate"} <= {rule for rule, _ in jobs}


def test_adding_human_annotations_reruns_only_the_tables(tiny_run, tmp_path):
    annotations = tmp_path / "human.csv"
    annotations.write_text("id,type\n")

    def edit(config):
        config["datasets"]["mustard"]["human_annotations"] = str(annotations)

    jobs = _planned(tiny_run, _edited(tiny_run, tmp_path, edit))
    assert {rule for rule, _ in jobs} == AGGREGATES


def test_a_familys_own_seeds_and_schemes_limit_its_jobs(tiny_run, tmp_path):
    def edit(config):
        config["seeds"] = [0, 5]
        config["families"]["mlp"].update(seeds=[0], schemes=["rus"])

    jobs = _planned(tiny_run, _edited(tiny_run, tmp_path, edit))
    assert {rule for rule, _ in jobs} == AGGREGATES  # no seed-5 or rus_balanced job for mlp
