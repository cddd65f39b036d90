"""Dataset-level PID of the two views' features and the label."""

from mmoe.logs import to_log
from mmoe.pipeline import dataset_pid

sm = snakemake  # noqa: F821
with to_log(sm.log[0]):
    dataset_pid(sm.input.data, {"x1": sm.input.x1, "x2": sm.input.x2}, sm.params.seed, sm.output[0])
