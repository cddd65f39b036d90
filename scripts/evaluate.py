"""Score every method's predictions."""

from mmoe.logs import to_log
from mmoe.stages.fusion import evaluate

sm = snakemake  # noqa: F821
with to_log(sm.log[0]):
    evaluate(sm.input.predictions, sm.input.typed, sm.output[0])
