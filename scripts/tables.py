"""Regenerate the tables and figures from the per-run metric files."""

from pathlib import Path

from mmoe.logs import to_log
from mmoe.pipeline import build_tables

sm = snakemake  # noqa: F821
with to_log(sm.log[0]):
    build_tables(
        sm.params.runs,
        dict(zip(sm.params.datasets, sm.input.counts, strict=True)),
        {
            d: (t, x)
            for d, t, x in zip(sm.params.synthetic, sm.input.typed, sm.input.data, strict=True)
        },
        sm.input.reported,
        sm.params.paper_models,
        sm.params.main_scheme,
        Path(sm.output.tables[0]).parent,
        sm.output.figure,
    )
