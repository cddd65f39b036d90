"""Generate the synthetic image-text dataset with known interaction types."""

from mmoe.snakemake_job import run_stage
from mmoe.stages.ingest import generate_synthetic

run_stage(generate_synthetic, snakemake)  # noqa: F821
