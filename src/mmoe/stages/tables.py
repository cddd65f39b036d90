"""Every table and figure of the paper from the per-run files (rules: tables.smk).

``TABLES`` is the one registry of tables: the rule's outputs and report entries, and what the
stage builds and writes, all come from it. Adding a table is one entry here and a caption
``workflow/report/<name>.rst`` (``figure_<name>.rst`` for its figure).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pandas as pd

from mmoe import figures, tables, typing_chain


@dataclass
class TableInputs:
    """What the builders read, loaded once on first use.

    ``runs``: metric files (dataset, family, scheme, seed, path); ``fused``: the fused runs of
    the main and the five-type scheme (dataset, family, scheme, seed) with their ``routing``
    diagnostics, ``settings`` (the router of +MMoE) and ``predictions``; ``multitask_runs``:
    those of the multitask experts (group, dataset, family, seed, path) of ``groups`` (group ->
    datasets);
    ``models``: model folders (dataset, family, role, seed, path); ``files``: per dataset its
    ``counts``, ``typed``, ``pid`` and, where there are reference types, ``data`` (synthetic
    truth) and ``human`` (annotations); ``paper_datasets``: per dataset, the paper's dataset it
    reproduces; ``schemes``: the ``main`` scheme and those of the
    ``five_types`` table, in order of preference.
    """

    runs: list[dict]
    fused: list[dict]
    multitask_runs: list[dict]
    groups: dict[str, list[str]]
    models: list[dict]
    files: dict[str, dict[str, str | Path]]
    reported: str | Path
    paper_models: dict
    paper_datasets: dict[str, str]
    schemes: dict[str, str | list[str]]

    @property
    def main(self) -> str:
        return self.schemes["main"]

    @cached_property
    def scores(self) -> pd.DataFrame:
        return tables.load_metrics(self.runs)

    @cached_property
    def selected(self) -> pd.DataFrame:
        return tables.load_selected([r for r in self.fused if r["scheme"] == self.main])

    @cached_property
    def paper(self) -> dict:
        reported = tables.load_reported(self.reported)
        return reported | {tables.PAPER_NAMES: self.paper_datasets}

    @cached_property
    def typed(self) -> dict[str, pd.DataFrame]:
        return {d: pd.read_parquet(f["typed"]) for d, f in self.files.items()}

    @cached_property
    def counts(self) -> dict[str, pd.DataFrame]:
        return {d: pd.read_csv(f["counts"]) for d, f in self.files.items()}

    @cached_property
    def trivial(self) -> pd.DataFrame:
        return typing_chain.trivial_scores(self.typed)

    @cached_property
    def one_class(self) -> pd.DataFrame:
        return typing_chain.one_class_runs(self.fused)

    @cached_property
    def truth(self) -> dict[str, pd.DataFrame]:
        """Per synthetic dataset, its data table (with the true types and cues)."""
        return {d: pd.read_parquet(f["data"]) for d, f in self.files.items() if "data" in f}

    @cached_property
    def human(self) -> dict[str, pd.DataFrame]:
        """Per dataset with human annotations, the checked annotations."""
        return {
            d: typing_chain.read_human(f["human"], d, self.typed[d])
            for d, f in self.files.items()
            if "human" in f
        }

    def references(self, key: str) -> dict[str, tuple[pd.DataFrame, object]]:
        """Per dataset with a ``key`` file, its automatic types and: for ``data`` (synthetic
        truth) the table, for ``human`` (annotations) the file's path (read and checked by
        :func:`mmoe.tables.categorisation`)."""
        return {
            d: (self.typed[d], pd.read_parquet(f[key]) if key == "data" else f[key])
            for d, f in self.files.items()
            if key in f
        }


@dataclass(frozen=True)
class Table:
    """A registered table: its builder, the metric columns shown as ``mean ± std``, the report
    category, the decimals of its numbers and, optionally, the figure drawn from it."""

    build: Callable[[TableInputs], pd.DataFrame]
    columns: tuple[str, ...]
    category: str
    decimals: int = 2
    figure: Callable[[pd.DataFrame, Path], object] | None = None


TABLES: dict[str, Table] = {
    "dataset_summary": Table(lambda i: tables.dataset_summary(i.typed), (), "datasets"),
    "pid": Table(
        lambda i: tables.pid_table(
            {d: json.loads(Path(f["pid"]).read_text()) for d, f in i.files.items()}
        ),
        (),
        "datasets",
        decimals=3,  # bits
        figure=figures.pid_bars,
    ),
    "rus_agreement": Table(
        lambda i: tables.categorisation(i.references("data"), i.references("human"), i.paper),
        (),
        "labeling",
    ),
    "five_types": Table(
        lambda i: tables.five_types(i.scores, i.typed, i.paper, i.schemes["five_types"]),
        ("single_model_f1", "expert_f1"),
        "partitions",
    ),
    "per_interaction": Table(
        lambda i: tables.per_interaction(i.scores, i.paper, i.paper_models, i.main),
        ("accuracy", "f1"),
        "experts",
        figure=figures.per_interaction_bars,
    ),
    "parameters": Table(
        lambda i: tables.parameters(
            i.scores, tables.parameter_counts(i.models), i.selected, i.main
        ),
        ("f1",),
        "experts",
        figure=figures.parameters_vs_f1,
    ),
    "main_results": Table(
        lambda i: tables.with_trivial(
            typing_chain.with_one_class_seeds(
                tables.main_results(i.scores, i.selected, i.paper, i.paper_models, i.main),
                i.one_class,
                i.main,
            ),
            i.trivial,
            "method",
            ["precision", "recall", "f1"],
        ),
        ("precision", "recall", "f1"),
        "fusion",
    ),
    "routing_diagnostics": Table(
        lambda i: tables.routing_diagnostics(i.fused), ("value",), "fusion"
    ),
    "partition_ablation": Table(
        lambda i: tables.with_trivial(
            tables.partition_ablation(i.scores, i.counts, i.paper), i.trivial, "scheme", ["f1"]
        ),
        ("f1",),
        "ablations",
    ),
    "fusion_ablation": Table(
        lambda i: tables.with_trivial(
            tables.fusion_ablation(i.scores, i.paper, i.paper_models, i.main),
            i.trivial,
            "method",
            ["f1"],
        ),
        ("f1",),
        "ablations",
    ),
    "typing_chain": Table(
        lambda i: typing_chain.typing_chain(i.scores, i.fused, i.typed, i.truth, i.human),
        ("fuser_auto", "fuser_true", "single_f1", "mmoe_f1", "oracle_f1"),
        "fusion",
    ),
    "multitask": Table(
        lambda i: tables.multitask(
            i.scores, tables.load_metrics(i.multitask_runs), i.counts, i.groups, i.paper, i.main
        ),
        ("f1", "s_expert_accuracy"),
        "ablations",
    ),
}
FIGURES = [name for name, table in TABLES.items() if table.figure is not None]


def build_tables(inputs: TableInputs, tables_dir: str | Path, figures_dir: str | Path) -> None:
    """Write every registered table as Markdown, CSV and LaTeX, and draw its figure if any."""
    for name, table in TABLES.items():
        stats = table.build(inputs)
        tables.write_table(stats, list(table.columns), Path(tables_dir) / name, table.decimals)
        if table.figure is not None:
            table.figure(stats, Path(figures_dir) / f"{name}.png")
