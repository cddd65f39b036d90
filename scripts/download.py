"""Fetch a dataset's public source file, refusing it on a SHA-256 mismatch."""

from mmoe.logs import to_log
from mmoe.stages.ingest import download

sm = snakemake  # noqa: F821
with to_log(sm.log[0]):
    print(f"fetched {download(sm.params.cfg['url'], sm.output[0], sm.params.cfg['sha256'])}")
