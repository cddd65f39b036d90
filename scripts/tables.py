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
settings = ("runs", "fused", "multitask_runs", "groups", "models", "paper_models")
settings += ("paper_datasets", "schemes", "labelers")
inputs = TableInputs(
    files=files, reported=sm.input.reported, **{key: sm.params[key] for key in settings}
)
with to_log(sm.log[0]):
    build_tables(inputs, Path(sm.output.main_results_csv).parent, Path(sm.output.pid_png).parent)
