"""One frame per video (1 fps, the configured frame) into results/{dataset}/frames."""

from mmoe.snakemake_job import run_stage
from mmoe.stages.ingest import extract_frames

run_stage(extract_frames, snakemake)  # noqa: F821
