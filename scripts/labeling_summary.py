"""Per-view labeling summary, failing on too many unparsed answers."""

from mmoe.snakemake_job import run_stage
from mmoe.stages.label import labeling_summary

run_stage(labeling_summary, snakemake)  # noqa: F821
