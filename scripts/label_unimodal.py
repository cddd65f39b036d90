"""Unimodal predictions for one view."""

from mmoe.logs import to_log
from mmoe.pipeline import label_unimodal

sm = snakemake  # noqa: F821
with to_log(sm.log[0]):
    label_unimodal(
        sm.wildcards.dataset,
        sm.input.data,
        sm.input.features,
        sm.wildcards.view,
        sm.params.kind,
        sm.params.labeling,
        sm.params.seed,
        sm.output[0],
    )
