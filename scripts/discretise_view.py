"""The k-means cluster codes of one view, the PID's discrete values."""

from mmoe.snakemake_job import run_stage
from mmoe.stages.pid import discretise_view

run_stage(discretise_view, snakemake)  # noqa: F821
