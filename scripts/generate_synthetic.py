"""Generate the synthetic image-text dataset with known interaction types."""

from mmoe.logs import to_log
from mmoe.stages.ingest import generate_synthetic

sm = snakemake  # noqa: F821
with to_log(sm.log[0]):
    generate_synthetic(sm.params.cfg, sm.output[0], sm.params.seed)
