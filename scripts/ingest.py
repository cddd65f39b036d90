"""Adapt and validate a dataset into results/{dataset}/data.parquet (+ its dropped rows)."""

from mmoe.logs import to_log
from mmoe.stages.ingest import ingest

sm = snakemake  # noqa: F821
with to_log(sm.log[0]):
    frame = ingest(
        sm.wildcards.dataset,
        sm.params.cfg,
        sm.input[0],
        sm.output.data,
        sm.params.seed,
        dropped=sm.output.dropped,
    )
    print(frame.groupby(["split", "label"]).size().to_string())
