"""Fetch a dataset's public source file, refusing it on a SHA-256 mismatch."""

from mmoe.snakemake_job import run_stage
from mmoe.stages.ingest import download

run_stage(download, snakemake)  # noqa: F821
