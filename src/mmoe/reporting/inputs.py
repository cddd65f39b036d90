"""What the tables are built from, loaded in one place: per-run metric files, the fused runs'
routers, the papers' numbers, each dataset's typed rows, counts and references
(:class:`TableInputs`)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pandas as pd
import yaml

from mmoe.reporting import reproduction, typing_chain
from mmoe.reporting.paper import PAPER_NAMES


def load_metrics(runs: list[dict]) -> pd.DataFrame:
    """Concatenate metric CSVs; each run dict has a ``path`` and keys (dataset, family, seed...)
    that become columns. No runs give an empty frame."""
    frames = [
        pd.read_csv(run["path"]).assign(**{k: v for k, v in run.items() if k != "path"})
        for run in runs
    ]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def load_selected(fused: list[dict]) -> pd.DataFrame:
    """The router of +MMoE of each fused run (dataset, family, seed, ``settings``: its file);
    ``fixed``: the config's ``fusion.method`` named it (validation did not choose it);
    ``not_available``: the strategies the run could not compute."""
    settings = [json.loads(Path(run["settings"]).read_text()) for run in fused]
    return pd.DataFrame(
        [
            {
                **{k: run[k] for k in ("dataset", "family", "seed")},
                "router": s["mmoe_router"],
                "fixed": bool(s.get("router_fixed", False)),
                "not_available": list(s.get("not_available", [])),
            }
            for run, s in zip(fused, settings, strict=True)
        ]
    )


def load_reported(path: str | Path) -> dict:
    """The papers' reported numbers (``paper/reported.yaml``)."""
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


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
    truth), ``human`` (annotations) and ``reference_partition`` (type -> files of ids);
    ``paper_datasets``: per dataset, the paper's dataset it reproduces; ``schemes``: the
    ``main`` scheme and those of the ``five_types`` table, in order of preference; ``labelers``:
    per dataset, the backend that made its unimodal labels.
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
    labelers: dict[str, str] = field(default_factory=dict)

    @property
    def main(self) -> str:
        return self.schemes["main"]

    @cached_property
    def scores(self) -> pd.DataFrame:
        return load_metrics(self.runs)

    @cached_property
    def selected(self) -> pd.DataFrame:
        return load_selected([r for r in self.fused if r["scheme"] == self.main])

    @cached_property
    def paper(self) -> dict:
        reported = load_reported(self.reported)
        return reported | {PAPER_NAMES: self.paper_datasets}

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

    @cached_property
    def reference_typings(self) -> dict[str, pd.DataFrame]:
        """Per dataset with a ``reference_partition`` (type -> files of ids), its typed rows with
        the reference's type of each, read once
        (:func:`mmoe.reporting.reproduction.reference_typing`)."""
        return {
            d: reproduction.reference_typing(d, self.typed[d], f["reference_partition"])
            for d, f in self.files.items()
            if "reference_partition" in f
        }

    def references(self, key: str) -> dict[str, tuple[pd.DataFrame, object]]:
        """Per dataset with a ``key`` file, its automatic types and: for ``data`` (synthetic
        truth) the table, for ``human`` (annotations) the file's path (read and checked by
        :func:`mmoe.reporting.agreement.categorisation`)."""
        return {
            d: (self.typed[d], pd.read_parquet(f[key]) if key == "data" else f[key])
            for d, f in self.files.items()
            if key in f
        }
