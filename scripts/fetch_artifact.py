"""Fetch (or copy from artifacts_dir) one file of the artifacts manifest, checksum checked."""

from mmoe.logs import to_log
from mmoe.stages.artifacts import artifact_url, fetch_artifact

sm = snakemake  # noqa: F821
name = sm.wildcards.artifact
with to_log(sm.log[0]):
    url = artifact_url(sm.config["artifacts"], name)
    source = fetch_artifact(name, sm.params.sha256, url, sm.output[0], sm.config["artifacts_dir"])
    print(f"{name}: from {source}, SHA-256 {sm.params.sha256}")
