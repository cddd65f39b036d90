# Input, params and output-path functions of the rules in artifacts.smk.
import re

ARTIFACTS = config.get("artifacts", {"files": {}, "commits": {}})
ARTIFACTS_DIR = "resources/artifacts"


def artifact_names():
    """A wildcard constraint: the manifest's file names (none: matches nothing)."""
    return "|".join(re.escape(name) for name in sorted(ARTIFACTS["files"])) or "(?!)"
