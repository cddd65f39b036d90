"""Regenerate the tables and figures from the per-run and per-dataset files."""

from pathlib import Path

from mmoe.logs import to_log
from mmoe.stages.tables import TableInputs, build_tables

sm = snakemake  # noqa: F821
files = {
    d: {"counts": c, "typed": t, "pid": p}
    for d, c, t, p in zip(
        sm.params.datasets, sm.input.counts, sm.input.typed, sm.input.pid, strict=True
    )
}
for key, names in (("data", sm.params.synthetic), ("human", sm.params.annotated)):
    for dataset, path in zip(names, sm.input[key], strict=True):
        files[dataset][key] = path
for dataset, partition in sm.params.reference_partitions.items():
    files[dataset]["reference_partition"] = partition
inputs = TableInputs(
    sm.params.runs,
    sm.params.fused,
    sm.params.multitask_runs,
    sm.params.groups,
    sm.params.models,
    files,
    sm.input.reported,
    sm.params.paper_models,
    sm.params.paper_datasets,
    sm.params.schemes,
    sm.params.labelers,
)
with to_log(sm.log[0]):
    build_tables(inputs, Path(sm.output.main_results_csv).parent, Path(sm.output.pid_png).parent)
