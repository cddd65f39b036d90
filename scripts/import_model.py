"""Read an imported family's models by the rule's ``task``: the single model, or a scheme's
experts and fuser (mmoe.stages.imports.TASKS)."""

from mmoe.snakemake_job import run_stage
from mmoe.stages.imports import TASKS

run_stage(TASKS[snakemake.params.task], snakemake)  # noqa: F821
