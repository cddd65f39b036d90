"""The repository stands alone: a copy of its tracked files, with nothing beside it, plans `all`
for every shipped config, and a user's config file plans only what it lists."""

import os
import re
import subprocess
import sys

import pytest

from tests.conftest import REPO
from tests.test_incremental import jobs, planned

pytestmark = pytest.mark.slow

# Each shipped config as the README runs it (--configfile arguments; none: the embedded default).
SHIPPED_CONFIGS = {
    "default": [],
    "llm": ["config.yaml", "config/llm.yaml"],
    "llm-serve": ["config.yaml", "config/llm-serve.yaml"],
    "own-data": ["config/own-data.yaml"],
    "paper-artifacts": ["config/paper-artifacts.yaml"],
    "mustard-paper": ["config/paper-artifacts.yaml", "config/mustard-paper.yaml"],
    "tiny": ["tests/configs/tiny.yaml"],
}


def tracked_files() -> list[str]:
    listing = subprocess.run(
        ["git", "ls-files", "-z"], cwd=REPO, capture_output=True, text=True, check=True
    )
    return [name for name in listing.stdout.split("\0") if name]


@pytest.fixture(scope="module")
def clone(tmp_path_factory):
    """The tracked files alone, in an empty folder (as a fresh clone, with nothing beside it)."""
    root = tmp_path_factory.mktemp("standalone") / "mmoe-workflow"
    for name in tracked_files():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes((REPO / name).read_bytes())
    (root / "my_pairs.csv").write_text(own_data_csv(60))
    return root


def own_data_csv(rows: int) -> str:
    lines = ["id,text_a,text_b,label"]
    lines += [f"r{i},first text {i},second text {i},{i % 2}" for i in range(rows)]
    return "\n".join(lines) + "\n"


def test_no_tracked_file_names_a_path_outside_the_repository():
    """No path into the team shelf beside the clone, relative or from the repository's parent."""
    outside = re.compile(rb"\.\./" + b'shared|parents?(\\[\\d\\])? / "' + b"shared")
    offenders = [
        name
        for name in tracked_files()
        if (REPO / name).is_file() and outside.search((REPO / name).read_bytes())
    ]
    assert offenders == []


@pytest.mark.parametrize("name", sorted(SHIPPED_CONFIGS))
def test_a_lone_clone_plans_all_for_every_shipped_config(clone, name):
    configfiles = SHIPPED_CONFIGS[name]
    command = [sys.executable, "-m", "snakemake", "-n", "--cores", "1", "all"]
    if configfiles:
        command += ["--configfile", *configfiles]
    env = {**os.environ, "PYTHONPATH": str(clone / "src")}
    result = subprocess.run(command, cwd=clone, capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "rule tables:" in result.stdout


def test_a_users_config_plans_only_its_own_dataset(tmp_path):
    (tmp_path / "my_pairs.csv").write_text(own_data_csv(60))
    config = REPO / "config/own-data.yaml"
    common = {"dataset": "my_pairs", "family": "mlp"}
    seeds = ("0", "1", "2")
    schemes = ("rus", "rus_balanced", "random")
    expected = (
        jobs("prepare_text_encoder")
        | jobs("ingest", dataset="my_pairs")
        | jobs("embed_view", dataset="my_pairs", view=("x1", "x2"))
        | jobs("discretise_view", dataset="my_pairs", view=("x1", "x2"))
        | jobs("label_unimodal", dataset="my_pairs", view=("x1", "x2"))
        | jobs("labeling_summary", dataset="my_pairs")
        | jobs("partition_interactions", dataset="my_pairs")
        | jobs("train_baseline", **common, seed=seeds)
        | jobs("train_rus_scheme", **common, scheme=schemes, seed=seeds)
        | jobs("fuse", **common, scheme=schemes, seed=seeds)
        | jobs("evaluate", **common, scheme=schemes, seed=seeds)
        | jobs("dataset_pid", dataset="my_pairs")
        | jobs("tables")
        | jobs("all")
    )
    assert planned(tmp_path, config) == expected
