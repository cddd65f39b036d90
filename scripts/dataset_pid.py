"""PID of the two views with the gold label (all rows, per type) and with models' predictions."""

from mmoe.logs import to_log
from mmoe.stages.pid import dataset_pid

sm = snakemake  # noqa: F821
with to_log(sm.log[0]):
    dataset_pid(
        sm.input.data, {"x1": sm.input.x1, "x2": sm.input.x2}, sm.input.typed,
        dict(zip(sm.params.families, sm.input.predictions, strict=True)), sm.params.seed,
        sm.output[0], sm.params.kinds, sm.params.encoders,
    )  # fmt: skip
