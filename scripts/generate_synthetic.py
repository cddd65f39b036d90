"""Generate the synthetic image-text dataset with known interaction types."""

from mmoe.logs import to_log
from mmoe.pipeline import synthesize

sm = snakemake  # noqa: F821
with to_log(sm.log[0]):
    synthesize(sm.params.cfg, sm.output[0], sm.params.seed)
