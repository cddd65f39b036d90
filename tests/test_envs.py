"""The per-stage conda envs list exactly the pyproject dependencies of their extras."""

import tomllib

import pytest
import yaml

from tests.conftest import REPO

ENV_EXTRAS = {"core": [], "train": ["train"], "llm": ["llm"], "gpu": ["gpu"]}


@pytest.mark.parametrize("name", sorted(ENV_EXTRAS))
def test_env_matches_pyproject(name):
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    expected = list(project["dependencies"])
    for extra in ENV_EXTRAS[name]:
        expected += project["optional-dependencies"][extra]
    env = yaml.safe_load((REPO / "envs" / f"{name}.yaml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert pip[-1] == "-e .."
    assert sorted(pip[:-1]) == sorted(expected)


def test_every_rule_env_exists():
    rules = "\n".join(p.read_text() for p in (REPO / "workflow/rules").glob("*.smk"))
    named = {
        line.strip().strip('"').split("/")[-1] for line in rules.splitlines() if "envs/" in line
    }
    assert named and named <= {f"{n}.yaml" for n in ENV_EXTRAS}
