"""How many sbatch submissions the SLURM profile plans (dry runs; no cluster needed).

Under `--profile slurm` every group job is one submission, and so is every job outside a group
whose rule is not a local rule; local rules run inside the Snakemake process.
Run with `-s` to see the counts.
"""

from __future__ import annotations

import re
import subprocess
from collections import Counter

import pytest
import yaml

from tests.conftest import REPO, SNAKEMAKE, tiny_config

GROUP_JOB = re.compile(r"^\S.* Group job (\S+) \(jobs in lexicogr\. order\):$")
TOP_LEVEL_RULE = re.compile(r"^(?:local)?rule (\w+):$")
MEMBER_RULE = re.compile(r"^\s+(?:local)?rule (\w+):$")
MARKED_LOCAL = re.compile(r"^rule (\w+):\n(?:[ \t].*\n)*?[ \t]+localrule: True", re.M)


def local_rules() -> set[str]:
    """The rules the Snakefile's `localrules:` names and those marked `localrule: True`."""
    block = re.search(r"^localrules:\n((?:[ \t]+\w+,?\n)+)", (REPO / "Snakefile").read_text(), re.M)
    names = set(re.findall(r"\w+", block.group(1)))
    for path in (REPO / "workflow/rules").glob("*.smk"):
        names |= set(MARKED_LOCAL.findall(path.read_text()))
    return names


def planned_submissions(dry_run: str, local: set[str]) -> tuple[Counter, Counter]:
    """(submissions by group id or rule, jobs per group id) of a dry run's job listing."""
    submissions, members = Counter(), Counter()
    group = None
    for line in dry_run.splitlines():
        if match := GROUP_JOB.match(line):
            group = match.group(1)
            submissions[f"group {group}"] += 1
        elif match := TOP_LEVEL_RULE.match(line):
            group = None
            if match.group(1) not in local:
                submissions[match.group(1)] += 1
        elif (match := MEMBER_RULE.match(line)) and group is not None:
            members[group] += 1
    return submissions, members


def plan(workdir, *config_args: str) -> tuple[Counter, Counter]:
    """The submissions `snakemake -n --forceall --profile slurm all` plans in ``workdir``."""
    command = [*SNAKEMAKE, "--snakefile", str(REPO / "Snakefile"), "--directory", str(workdir)]
    command += ["-n", "--forceall", "--profile", str(REPO / "slurm"), "all", *config_args]
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return planned_submissions(result.stdout, local_rules())


def test_local_rules_are_found():
    assert {"all", "tables", "fuse", "download", "ingest"} <= local_rules()
    assert "train_expert" not in local_rules()


def test_default_config_plans_at_most_30_submissions():
    submissions, members = plan(REPO)
    total = sum(submissions.values())
    print(f"default config under --profile slurm: {total} submissions {dict(submissions)}")
    print(f"jobs per group: {dict(members)}")
    assert total <= 30, submissions
    # every CPU model is in a group job: no training rule is submitted on its own
    assert not [name for name in submissions if name.startswith("train_")]
    # baselines; mlp: one job per scheme and seed (experts and fuser), encoder-lora (per_model):
    # 3 experts and a fuser; multitask experts
    assert members["train"] == 7 + 2 * 4 * 3 + 3 + 1 + 9


@pytest.mark.parametrize("gpu", [0, 1])
def test_gpu_families_stay_one_model_per_submission(tmp_path, gpu):
    families = yaml.safe_load((REPO / "tests/configs/tiny.yaml").read_text())["families"]
    families["mlp"]["resources"]["gpu"] = gpu
    configfile = tiny_config(tmp_path, families=families)
    submissions, _ = plan(tmp_path, "--configfile", str(configfile))
    print(f"tiny config, gpu={gpu}: {sum(submissions.values())} submissions {dict(submissions)}")
    models = 2 * (1 + 3 + 5 + 2) + 3  # per dataset: single model, rus + five experts, 2 fusers
    training = sum(n for name, n in submissions.items() if name.startswith("train_"))
    assert training == (models if gpu else 0)
    assert submissions["group features"] == 1
