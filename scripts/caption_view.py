"""Describe the images of one view with a chat-model backend."""

from mmoe.snakemake_job import run_stage
from mmoe.stages.label import caption_view

run_stage(caption_view, snakemake)  # noqa: F821
