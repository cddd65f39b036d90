"""Type every datapoint R/U/S and write the hive-partitioned training partitions."""

from mmoe.logs import to_log
from mmoe.stages.partition import partition_interactions

sm = snakemake  # noqa: F821
with to_log(sm.log[0]):
    partition_interactions(
        sm.input.data,
        {"x1": sm.input.x1, "x2": sm.input.x2},
        sm.params.gamma,
        dict(zip(sm.params.schemes, sm.output.schemes, strict=True)),
        sm.params.seed,
        sm.output.typed,
        sm.output.counts,
        sm.wildcards.dataset,
        sm.params.confidence_filter,
    )
