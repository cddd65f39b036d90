"""Fuse the experts' outputs with every strategy."""

from mmoe.logs import to_log
from mmoe.pipeline import fuse

sm = snakemake  # noqa: F821
with to_log(sm.log[0]):
    fuse(
        sm.input.typed,
        dict(zip(sm.params.experts, sm.input.experts, strict=True)),
        sm.input.baseline[0],
        sm.input.fuser,
        sm.input.partition,
        sm.params.fixed_weights,
        sm.output.predictions,
        sm.output.settings,
    )
