"""The experts' tables: per interaction type (Figure 7), five types, parameters (Figure 8),
routing diagnostics."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from mmoe.interactions import FIVE_TO_RUS, FIVE_TYPES, INTERACTIONS, scheme_experts
from mmoe.mixing import MMOE, ROUTERS
from mmoe.reporting.inputs import load_metrics
from mmoe.reporting.paper import PAPER_RQ1_KEYS, dig, is_paper_dataset, paper_value
from mmoe.reporting.render import mean_std
from mmoe.reporting.results import MODELS, per_row, test_overall

# The model each router runs beside the experts (fusion.ROUTERS) as a role of parameter_counts.
ROUTER_ROLES = {"fuser": "fuser", "single model": "all"}


def _baseline_vs_expert(metrics: pd.DataFrame, scheme: str, types: dict[str, str]) -> pd.DataFrame:
    """Test rows of the baseline and of the matching expert per type (``types``: type -> R/U/S)."""
    rows = metrics[(metrics["split"] == "test") & (metrics["scheme"] == scheme)]
    picked = pd.concat(
        rows[
            (rows["interaction"] == interaction)
            & rows["method"].isin(["baseline", f"expert_{expert}"])
        ]
        for interaction, expert in types.items()
    )
    model = np.where(picked["method"] == "baseline", "single model", "expert")
    return picked.assign(model=model)


def per_interaction(
    metrics: pd.DataFrame, reported: dict, paper_models: dict, scheme: str
) -> pd.DataFrame:
    """Figure 7: per interaction type on the test split, the baseline vs the matching expert."""
    picked = _baseline_vs_expert(metrics, scheme, {k: k for k in INTERACTIONS})
    stats = mean_std(picked, ["dataset", "family", "interaction", "model"], ["accuracy", "f1", "n"])
    stats = stats.sort_values(["dataset", "family"], kind="stable").drop(columns="n_std")
    stats = stats.rename(columns={"n_mean": "n"}).astype({"n": int})
    paper = reported.get("rq1_per_interaction", {})
    role = {"single model": "baseline", "expert": "expert"}

    def reference(row) -> str:
        name = paper_models.get(row["family"])
        key = PAPER_RQ1_KEYS.get(name) if is_paper_dataset(reported, row["dataset"]) else None
        return paper_value(dig(paper, key, row["interaction"], role[row["model"]]))

    stats["paper_accuracy"] = per_row(stats, reference)
    return stats


def five_types(
    metrics: pd.DataFrame, typed: dict[str, pd.DataFrame], reported: dict, schemes: list[str]
) -> pd.DataFrame:
    """Short paper Table 2: rows per five-type, and test F1 of the single model vs the expert of
    the type. Per dataset and family, the first of ``schemes`` it ran decides the expert: its own
    where that scheme has five-type experts, else that of its R/U/S group (:data:`FIVE_TO_RUS`)."""
    picks = []
    for _, rows in metrics.groupby(["dataset", "family"], sort=False):
        scheme = next(s for s in schemes if (rows["scheme"] == s).any())
        own = scheme_experts(scheme) == FIVE_TYPES
        types = {t: t for t in FIVE_TYPES} if own else FIVE_TO_RUS
        picks.append(_baseline_vs_expert(rows, scheme, types))
    picked = pd.concat(picks)
    stats = mean_std(picked, ["dataset", "family", "scheme", "interaction", "model"], ["f1"])
    wide = stats.pivot_table(
        index=["dataset", "family", "scheme", "interaction"],
        columns="model",
        values=["f1_mean", "f1_std"],
        sort=False,
    )
    wide.columns = [f"{model.replace(' ', '_')}_{stat}" for stat, model in wide.columns]
    scores = [f"{m}_f1_{stat}" for m in ("single_model", "expert") for stat in ("mean", "std")]
    wide = wide.reset_index().rename(columns={"interaction": "five_type"})
    wide = wide.reindex(
        columns=["dataset", "family", "scheme", "five_type", *scores]
    )  # all, even if unscored
    counts = pd.DataFrame(
        [
            {"dataset": d, "five_type": t, "n": int((frame["five_type"] == t).sum())}
            for d, frame in typed.items()
            for t in FIVE_TYPES
        ]
    )
    out = counts.merge(wide, on=["dataset", "five_type"], how="left")
    paper = reported.get("short_paper_table2_five_types", {})
    for column, decimals in (("n", 0), ("single", 2), ("expert", 2)):
        out[f"paper_{column}"] = [
            paper_value(dig(paper, t, column) if is_paper_dataset(reported, d) else None, decimals)
            for d, t in zip(out["dataset"], out["five_type"], strict=True)
        ]
    return out


def parameter_counts(models: list[dict]) -> pd.DataFrame:
    """One row per trained model: the record's keys (dataset, family, role, seed, path) and the
    counts its family saved in ``summary.json``: ``total``, ``trainable`` (what training updated)
    and ``frozen`` (the rest: a LoRA family's pretrained backbone, 0 for the MLP)."""
    summaries = [json.loads((Path(m["path"]) / "summary.json").read_text()) for m in models]
    frame = pd.DataFrame(models)
    for count in ("total", "trainable"):  # None (an imported model of unknown size): NaN
        frame[count] = pd.to_numeric([s["parameters"][count] for s in summaries], errors="raise")
    return frame.assign(frozen=frame["total"] - frame["trainable"])


def parameters(
    metrics: pd.DataFrame, counts: pd.DataFrame, selected: pd.DataFrame, scheme: str
) -> pd.DataFrame:
    """Figure 8: parameters run at inference vs test F1, single model and +MMoE.

    ``counts`` is :func:`parameter_counts` of the baseline (role ``all``), the experts and the
    fuser; ``selected`` the router of +MMoE per run (:func:`load_selected`). +MMoE runs every
    expert and the model its router reads (:data:`mmoe.mixing.ROUTERS`: the fuser, or the single
    model for the proxy routers); ``active`` counts them, their shared frozen backbone (one per
    family) once, and ``trainable`` what training updated: means over seeds, whose routers may
    differ.
    """
    sizes = counts.groupby(["dataset", "family", "role"])[["trainable", "frozen"]].max()
    experts = [r for r in sizes.index.unique("role") if r not in ("all", "fuser")]

    def run(dataset: str, family: str, method: str, roles: list[str]) -> dict:
        models = sizes.loc[[(dataset, family, role) for role in roles]]
        if models.isna().any(axis=None):  # an imported model of unknown size
            return {"dataset": dataset, "family": family, "method": method}
        trainable = int(models["trainable"].sum())
        active = trainable + int(models["frozen"].max())
        return {"dataset": dataset, "family": family, "method": method, "active": active,
                "trainable": trainable}  # fmt: skip

    pairs = sizes.index.droplevel("role").unique()
    runs = [run(d, f, MODELS["baseline"], ["all"]) for d, f in pairs] + [
        run(d, f, MODELS[MMOE], [*experts, ROUTER_ROLES[ROUTERS[r]]])
        for d, f, r in zip(selected["dataset"], selected["family"], selected["router"], strict=True)
    ]
    keys = ["dataset", "family", "method"]
    size = pd.DataFrame(runs).reindex(columns=[*keys, "active", "trainable"])
    size = size.groupby(keys, as_index=False)[["active", "trainable"]].mean()
    rows = test_overall(metrics)
    rows = rows[(rows["scheme"] == scheme) & rows["method"].isin(MODELS)]
    stats = mean_std(rows.assign(method=rows["method"].map(MODELS)), keys, ["f1"])
    counts = ["active", "trainable"]
    table = stats.merge(size, on=keys, how="left")
    table[counts] = table[counts].round().astype("Int64")  # whole parameters
    return table[[*keys, *counts, "f1_mean", "f1_std", "seeds"]]


def routing_diagnostics(fused: list[dict]) -> pd.DataFrame:
    """Routing diagnostics (:func:`mmoe.routing.diagnostics`) on the test split, mean and std over
    seeds per dataset, family, scheme, measure, subject and reference; ``fused``: the fused runs
    (dataset, family, scheme, seed) with their ``routing`` file."""
    keys = ("dataset", "family", "scheme", "seed")
    frame = load_metrics([{**{k: r[k] for k in keys}, "path": r["routing"]} for r in fused])
    test = frame[frame["split"] == "test"]
    by = ["dataset", "family", "scheme", "measure", "subject", "reference"]
    return mean_std(test, by, ["value"])
