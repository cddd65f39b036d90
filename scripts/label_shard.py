"""Label one shard of one view with a chat-model backend (openai, vllm)."""

from mmoe.logs import to_log
from mmoe.stages.label import label_shard

sm = snakemake  # noqa: F821
with to_log(sm.log[0]):
    label_shard(
        sm.wildcards.dataset, sm.input.data, sm.wildcards.view, sm.params.kind,
        sm.params.labeling, sm.params.seed, sm.params.cache_dir, sm.params.labeling["shards"],
        int(sm.wildcards.shard), sm.output.labels, sm.output.stats,
    )  # fmt: skip
