"""Frozen features of one view."""

import torch

from mmoe.logs import to_log
from mmoe.stages.embed import embed_view

sm = snakemake  # noqa: F821
torch.set_num_threads(sm.threads)
with to_log(sm.log[0]):
    embed_view(
        sm.input.data,
        sm.wildcards.view,
        sm.params.kind,
        sm.input.encoder,
        sm.output[0],
        sm.params.image_encoder,
    )
