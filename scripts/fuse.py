"""Fuse the experts' outputs with every strategy."""

from pathlib import Path

from mmoe.logs import to_log
from mmoe.stages.fusion import fuse

sm = snakemake  # noqa: F821
# Multitask experts are folders of per-dataset logits: ``logits_name`` picks this dataset's file.
name = sm.params.get("logits_name")
experts = [Path(path, name) if name else path for path in sm.input.experts]
with to_log(sm.log[0]):
    fuse(
        sm.input.typed,
        dict(zip(sm.params.experts, experts, strict=True)),
        sm.input.baseline,
        sm.input.fuser,
        sm.input.partition,
        sm.params.fixed_weights,
        sm.params.gamma,
        sm.params.method,
        sm.output.predictions,
        sm.output.settings,
        # the multitask fusion writes no routing diagnostics
        data=sm.input.get("data"),
        routing_out=sm.output.get("routing"),
        cascade_threshold=sm.params.cascade_threshold,
        combine=sm.params.combine,
        cascade_rule=sm.params.cascade_rule,
        fuser_weights=sm.params.fuser_weights,
    )
