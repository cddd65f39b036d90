"""config/README.md documents every key of the config schema."""

import re

import pytest
import yaml

from tests.conftest import REPO

SCHEMA = yaml.safe_load((REPO / "workflow/schemas/config.schema.yaml").read_text())
DOCUMENTED = set(re.findall(r"`([^`]+)`", (REPO / "config/README.md").read_text()))


def schema_keys(node: dict, prefix: str = "") -> set[str]:
    """Dotted names of every property the schema declares (``$defs`` resolved by name)."""
    keys = set()
    for name, spec in (node.get("properties") or {}).items():
        keys.add(prefix + name)
        keys |= schema_keys(spec, f"{prefix}{name}.")
    if isinstance(node.get("additionalProperties"), dict):
        keys |= schema_keys(node["additionalProperties"], prefix)
    return keys


WORDS = {word for span in DOCUMENTED for word in re.findall(r"[\w-]+", span)}


@pytest.mark.parametrize(
    "name",
    sorted(schema_keys(SCHEMA) | {k for d in SCHEMA["$defs"].values() for k in schema_keys(d)}),
)
def test_every_schema_key_is_documented(name):
    """Under its dotted name, as a prefix of one (`experts` in `experts.shared_start`), or by its
    own name inside a code span of its section (`R` in `{R: 0.2, ...}`)."""
    own = name.rsplit(".", 1)[-1]
    assert (
        name in DOCUMENTED
        or any(span.startswith(name + ".") for span in DOCUMENTED)
        or own in WORDS
    ), f"config/README.md does not document {name!r}"
