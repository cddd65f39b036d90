"""Unimodal predictions for one view: the classifier or precomputed backend, or the gathered
chat-backend shards."""

from mmoe.snakemake_job import run_stage
from mmoe.stages.label import label_unimodal

run_stage(label_unimodal, snakemake)  # noqa: F821
