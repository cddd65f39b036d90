"""Frozen features of one view."""

from mmoe.snakemake_job import run_stage
from mmoe.stages.embed import embed_view

run_stage(embed_view, snakemake)  # noqa: F821
