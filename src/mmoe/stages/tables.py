"""Every table and figure of the paper from the per-run files (rules: tables.smk).

``TABLES`` is the one registry of tables: the rule's outputs and report entries, and what the
stage builds and writes, all come from it. Adding a table is one entry here and a caption
``workflow/report/<name>.rst`` (``figure_<name>.rst`` for its figure).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from mmoe import figures
from mmoe.reporting import (
    agreement,
    datasets,
    experts,
    inputs,
    render,
    reproduction,
    results,
    typing_chain,
)
from mmoe.reporting.inputs import TableInputs


@dataclass(frozen=True)
class Table:
    """A registered table: its builder, the metric columns shown as ``mean ± std``, the report
    category, the decimals of its numbers, optionally the figure drawn from it, and the column
    that names each dataset's trivial classifiers if their rows follow the dataset's
    (:func:`mmoe.reporting.results.with_trivial`, on the same metric columns)."""

    build: Callable[[TableInputs], pd.DataFrame]
    columns: tuple[str, ...]
    category: str
    decimals: int = 2
    figure: Callable[[pd.DataFrame, Path], object] | None = None
    trivial_rows: str | None = None

    def stats(self, inputs: TableInputs) -> pd.DataFrame:
        """The table's numbers: the builder's rows, then the trivial ones if any."""
        stats = self.build(inputs)
        if self.trivial_rows is None:
            return stats
        return results.with_trivial(stats, inputs.trivial, self.trivial_rows, list(self.columns))


TABLES: dict[str, Table] = {
    "dataset_summary": Table(lambda i: datasets.dataset_summary(i.typed), (), "datasets"),
    "pid": Table(
        lambda i: datasets.pid_table(
            {d: json.loads(Path(f["pid"]).read_text()) for d, f in i.files.items()}
        ),
        (),
        "datasets",
        decimals=3,  # bits
        figure=figures.pid_bars,
    ),
    "rus_agreement": Table(
        lambda i: agreement.categorisation(i.references("data"), i.references("human"), i.paper),
        (),
        "labeling",
    ),
    "five_types": Table(
        lambda i: experts.five_types(i.scores, i.typed, i.paper, i.schemes["five_types"]),
        ("single_model_f1", "expert_f1"),
        "partitions",
    ),
    "per_interaction": Table(
        lambda i: experts.per_interaction(i.scores, i.paper, i.paper_models, i.main),
        ("accuracy", "f1"),
        "experts",
        figure=figures.per_interaction_bars,
    ),
    "parameters": Table(
        lambda i: experts.parameters(
            i.scores, experts.parameter_counts(i.models), i.selected, i.main
        ),
        ("f1",),
        "experts",
        figure=figures.parameters_vs_f1,
    ),
    "main_results": Table(
        lambda i: typing_chain.with_one_class_seeds(
            results.main_results(i.scores, i.selected, i.paper, i.paper_models, i.main),
            i.one_class,
            i.main,
        ),
        ("precision", "recall", "f1"),
        "fusion",
        trivial_rows="method",
    ),
    "routing_diagnostics": Table(
        lambda i: experts.routing_diagnostics(i.fused), ("value",), "fusion"
    ),
    "partition_ablation": Table(
        lambda i: results.partition_ablation(i.scores, i.counts, i.paper),
        ("f1",),
        "ablations",
        trivial_rows="scheme",
    ),
    "fusion_ablation": Table(
        lambda i: results.fusion_ablation(i.scores, i.paper, i.paper_models, i.main, i.selected),
        ("f1",),
        "ablations",
        trivial_rows="method",
    ),
    "typing_chain": Table(
        lambda i: typing_chain.typing_chain(i.scores, i.fused, i.typed, i.truth, i.human),
        ("fuser_auto", "fuser_true", "single_f1", "mmoe_f1", "oracle_f1"),
        "fusion",
    ),
    "paper_reproduction": Table(
        lambda i: reproduction.paper_reproduction(
            i.scores, i.counts, i.reference_typings, i.paper, i.paper_models, i.main
        ),
        (),
        "fusion",
    ),
    "label_sources": Table(
        lambda i: reproduction.label_sources(i.reference_typings, i.labelers, i.scores, i.main),
        ("baseline", "mmoe", "gain"),
        "labeling",
    ),
    "multitask": Table(
        lambda i: results.multitask(
            i.scores, inputs.load_metrics(i.multitask_runs), i.counts, i.groups, i.paper, i.main
        ),
        ("f1", "s_expert_accuracy"),
        "ablations",
    ),
}
FIGURES = [name for name, table in TABLES.items() if table.figure is not None]


def build_tables(inputs: TableInputs, tables_dir: str | Path, figures_dir: str | Path) -> None:
    """Write every registered table as Markdown, CSV and LaTeX, and draw its figure if any."""
    for name, table in TABLES.items():
        stats = table.stats(inputs)
        render.write_table(stats, list(table.columns), Path(tables_dir) / name, table.decimals)
        if table.figure is not None:
            table.figure(stats, Path(figures_dir) / f"{name}.png")
