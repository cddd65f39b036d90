"""Per-view labeling summary, failing on too many unparsed answers."""

from mmoe.logs import to_log
from mmoe.stages.label import labeling_summary

sm = snakemake  # noqa: F821
with to_log(sm.log[0]):
    labeling_summary(
        sm.wildcards.dataset, sm.input.data, {"x1": sm.input.x1, "x2": sm.input.x2},
        sm.params.labeling["max_unparsed_rate"], sm.output[0],
    )  # fmt: skip
