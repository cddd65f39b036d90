"""Fuse the experts' outputs with every strategy."""

from mmoe.snakemake_job import run_stage
from mmoe.stages.fusion import fuse

run_stage(fuse, snakemake)  # noqa: F821
