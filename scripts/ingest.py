"""Adapt and validate a dataset into results/{dataset}/data.parquet."""

from mmoe.logs import to_log
from mmoe.pipeline import ingest

sm = snakemake  # noqa: F821
with to_log(sm.log[0]):
    frame = ingest(sm.wildcards.dataset, sm.params.cfg, sm.input[0], sm.output[0], sm.params.seed)
    print(frame.groupby(["split", "label"]).size().to_string())
