"""Adapt and validate a dataset into results/{dataset}/data.parquet (+ its dropped rows)."""

from mmoe.snakemake_job import run_stage
from mmoe.stages.ingest import ingest

run_stage(ingest, snakemake)  # noqa: F821
