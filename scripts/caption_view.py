"""Describe the images of one view with a chat-model backend."""

from mmoe.logs import to_log
from mmoe.stages.label import caption_view

sm = snakemake  # noqa: F821
with to_log(sm.log[0]):
    caption_view(
        sm.wildcards.dataset, sm.input.data, sm.wildcards.view, sm.params.captioning,
        sm.params.seed, sm.params.cache_dir, sm.output[0],
    )  # fmt: skip
