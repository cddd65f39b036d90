"""Per-view labeling summary, failing on too many unparsed answers."""

from mmoe.logs import to_log
from mmoe.pipeline import summarise_labels

sm = snakemake  # noqa: F821
with to_log(sm.log[0]):
    summarise_labels(
        sm.wildcards.dataset, sm.input.data, {"x1": sm.input.x1, "x2": sm.input.x2},
        sm.params.max_unparsed, sm.output[0],
    )  # fmt: skip
