"""The per-stage conda envs pin exactly the pyproject dependencies of their extras."""

import tomllib

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.conftest import REPO

ENV_EXTRAS = {"core": [], "train": ["train"], "llm": ["llm"]}


def _wanted(extras: list[str]) -> dict[str, Requirement]:
    """pyproject's dependencies plus those of ``extras``, by normalised name."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    lines = list(project["dependencies"])
    for extra in extras:
        lines += project["optional-dependencies"][extra]
    return {canonicalize_name(r.name): r for r in map(Requirement, lines)}


def _pins(name: str) -> dict[str, str]:
    """The pip section of ``envs/<name>.yaml``: every entry ``package==version``, then ``-e ..``."""
    env = yaml.safe_load((REPO / "envs" / f"{name}.yaml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert pip[-1] == "-e .."
    pins = {}
    for line in pip[:-1]:
        requirement = Requirement(line)
        specifiers = list(requirement.specifier)
        assert [s.operator for s in specifiers] == ["=="], f"envs/{name}.yaml: {line!r} not pinned"
        pins[canonicalize_name(requirement.name)] = specifiers[0].version
    return pins


@pytest.mark.parametrize("name", sorted(ENV_EXTRAS))
def test_env_pins_the_pyproject_dependencies_of_its_extras(name):
    wanted, pins = _wanted(ENV_EXTRAS[name]), _pins(name)
    assert sorted(pins) == sorted(wanted)
    outside = {
        package: f"{version} not {wanted[package].specifier}"
        for package, version in pins.items()
        if not wanted[package].specifier.contains(version, prereleases=True)
    }
    assert not outside, f"envs/{name}.yaml pins outside pyproject's range: {outside}"


def test_every_env_is_checked():
    assert {p.stem for p in (REPO / "envs").glob("*.yaml")} == set(ENV_EXTRAS)


def test_every_rule_env_exists():
    rules = "\n".join(p.read_text() for p in (REPO / "workflow/rules").glob("*.smk"))
    named = {
        line.strip().strip('"').split("/")[-1] for line in rules.splitlines() if "envs/" in line
    }
    assert named and named <= {f"{n}.yaml" for n in ENV_EXTRAS}
