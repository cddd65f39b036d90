"""Score every method's predictions."""

from mmoe.snakemake_job import run_stage
from mmoe.stages.fusion import evaluate

run_stage(evaluate, snakemake)  # noqa: F821
