"""Frozen features of one view."""

from mmoe.logs import to_log
from mmoe.stages.embed import embed_view

sm = snakemake  # noqa: F821
with to_log(sm.log[0]):
    embed_view(
        sm.input.data, sm.wildcards.view, sm.params.kind, sm.input.encoder, sm.output[0],
        sm.params.image_encoder, threads=sm.threads, text_dtype=sm.params.text_dtype,
    )  # fmt: skip
