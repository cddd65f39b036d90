"""Fetch (or copy from artifacts_dir) one file of the artifacts manifest, checksum checked."""

from mmoe.logs import to_log
from mmoe.stages.artifacts import fetch_artifact

sm = snakemake  # noqa: F821
with to_log(sm.log[0]):
    source = fetch_artifact(
        sm.wildcards.artifact,
        sm.params.sha256,
        sm.params.url,
        sm.output[0],
        sm.config.get("artifacts_dir"),
    )
    print(f"{sm.wildcards.artifact}: from {source}, SHA-256 {sm.params.sha256}")
