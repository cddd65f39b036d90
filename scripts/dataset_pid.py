"""PID of the two views with the gold label (all rows, per type) and with models' predictions."""

from mmoe.snakemake_job import run_stage
from mmoe.stages.pid import dataset_pid

run_stage(dataset_pid, snakemake)  # noqa: F821
