"""Fetch a dataset's public source file, refusing it on a SHA-256 mismatch."""

from mmoe.datasets.download import fetch
from mmoe.logs import to_log

sm = snakemake  # noqa: F821
with to_log(sm.log[0]):
    print(f"fetched {fetch(sm.params.url, sm.output[0], sm.params.sha256)}")
