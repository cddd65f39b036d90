"""Label one shard of one view with a chat-model backend (openai, vllm)."""

from mmoe.snakemake_job import run_stage
from mmoe.stages.label import label_shard

run_stage(label_shard, snakemake)  # noqa: F821
