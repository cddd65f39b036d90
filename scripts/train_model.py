"""Train the models of one training job, by the rule's ``task``: the single model, an expert, the
fuser, or a scheme's experts and then its fuser (mmoe.stages.training.TASKS)."""

from mmoe.snakemake_job import run_stage
from mmoe.stages.training import TASKS

run_stage(TASKS[snakemake.params.task], snakemake)  # noqa: F821
