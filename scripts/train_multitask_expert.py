"""Train one multitask expert on several datasets' partitions and write per-dataset logits."""

from mmoe.snakemake_job import run_stage
from mmoe.stages.multitask import train_multitask_expert

run_stage(train_multitask_expert, snakemake)  # noqa: F821
