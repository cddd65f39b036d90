"""Tables 1-3 and RQ4: single model vs +MMoE, fusion and partition ablations, multitask experts."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mmoe.interactions import INTERACTIONS, scheme_experts
from mmoe.mixing import MMOE, rus_class
from mmoe.reporting.paper import PAPER_FUSION_KEYS, dig, is_paper_dataset, paper_name, paper_value
from mmoe.reporting.render import MISSING, mean_std

FUSION_ROWS = {
    MMOE: "+MMoE (the selected router)",
    "model": "model-based",
    "model_hard": "model-based, hard",
    "model_agreement": "model-based within the views' (dis)agreement",
    "model_agreement_hard": "model-based within the views' (dis)agreement, hard",
    "proxy": "label-free types, single model as label proxy",
    "proxy_soft": "label-free types, single model as label proxy, soft",
    "average": "average",
    "weighted_fixed": "weighted (fixed 0.2/0.5/0.3)",
    "weighted_frequency": "weighted (training frequency)",
    "cascaded": "cascaded",
    "baseline": "no fusion (single model)",
    "oracle": "oracle (upper bound)",
}


KEYS = ["dataset", "family", "scheme"]


MODELS = {"baseline": "single model", MMOE: "+MMoE"}


def per_row(stats: pd.DataFrame, function) -> list:
    """``function`` applied to each row (as a dict) of ``stats``."""
    return [function(row) for row in stats.to_dict("records")]


def with_trivial(
    stats: pd.DataFrame, trivial: pd.DataFrame, name_column: str, columns: list[str]
) -> pd.DataFrame:
    """``stats`` with each dataset's trivial classifiers (:func:`mmoe.reporting.typing_chain.
    trivial_scores`) after its own rows: named in ``name_column``, family a dash, ``columns``
    as means with an undefined std (they are computed once: seeds 1)."""
    extra = trivial[["dataset", "method", *columns]].rename(
        columns={"method": name_column, **{c: f"{c}_mean" for c in columns}}
    )
    extra = extra.assign(family=MISSING, seeds=1, **{f"{c}_std": np.nan for c in columns})
    out = pd.concat([stats, extra[extra["dataset"].isin(stats["dataset"])]], ignore_index=True)
    counts = stats.select_dtypes(
        "integer"
    ).columns  # counts stay whole where trivial rows lack them
    out[counts] = out[counts].astype("Int64")
    return out.sort_values("dataset", kind="stable", ignore_index=True)


def test_overall(metrics: pd.DataFrame) -> pd.DataFrame:
    return metrics[(metrics["split"] == "test") & (metrics["interaction"] == "all")]


def main_results(
    metrics: pd.DataFrame,
    selected: pd.DataFrame,
    reported: dict,
    paper_models: dict,
    scheme: str,
) -> pd.DataFrame:
    """Table 1: baseline vs +MMoE per dataset and family, test split, with the routers of +MMoE
    (``selected``: :func:`load_selected`) and how many seeds chose each."""
    rows = test_overall(metrics)
    rows = rows[(rows["scheme"] == scheme) & rows["method"].isin(MODELS)]
    stats = mean_std(rows, ["dataset", "family", "method"], ["precision", "recall", "f1"])
    fixed = selected["fixed"] if "fixed" in selected else pd.Series(False, index=selected.index)
    named = selected["router"].where(~fixed.astype(bool), selected["router"] + " (fixed)")
    routers = named.groupby([selected["dataset"], selected["family"]]).agg(
        lambda chosen: ", ".join(f"{r} ×{n}" for r, n in chosen.value_counts().items())
    )
    stats["routers"] = [
        routers.get((d, f)) if m == MMOE else None
        for d, f, m in zip(stats["dataset"], stats["family"], stats["method"], strict=True)
    ]
    stats["method"] = stats["method"].map(MODELS)
    paper = reported.get("table1_main_results", {})

    def reference(row) -> str:
        name = paper_models.get(row["family"])
        key = name if row["method"] == MODELS["baseline"] else f"{name}+MMoE"
        return paper_value(dig(paper, paper_name(reported, row["dataset"]), name and key, "f1"))

    stats["paper_f1"] = per_row(stats, reference)
    return stats


def fusion_ablation(
    metrics: pd.DataFrame,
    reported: dict,
    paper_models: dict,
    scheme: str,
    selected: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Table 3: test F1 of each fusion strategy per dataset and family (oracle last); a strategy
    that a fused run could not compute (``selected``'s ``not_available``: chosen on validation
    rows that its logits do not cover) is a row with ``available`` false and no score."""
    rows = test_overall(metrics)
    rows = rows[(rows["scheme"] == scheme) & rows["method"].isin(FUSION_ROWS)]
    stats = mean_std(rows, ["dataset", "family", "method"], ["f1"])
    stats["available"] = True
    if selected is not None and "not_available" in selected:
        missing = selected[["dataset", "family", "not_available"]].explode("not_available")
        missing = missing.dropna().rename(columns={"not_available": "method"}).drop_duplicates()
        missing = missing.merge(stats[["dataset", "family", "method"]], how="left", indicator=True)
        missing = missing[missing.pop("_merge") == "left_only"]
        stats = pd.concat([stats, missing.assign(seeds=0, available=False)], ignore_index=True)
    paper = reported.get("table3_fusion_ablation", {})

    def reference(row) -> str:
        key = (
            PAPER_FUSION_KEYS.get(row["method"])
            if is_paper_dataset(reported, row["dataset"])
            else None
        )
        return paper_value(dig(paper, key, paper_models.get(row["family"])))

    stats["paper_f1"] = per_row(stats, reference)
    stats["upper_bound"] = stats["method"] == "oracle"
    stats["order"] = stats["method"].map(list(FUSION_ROWS).index)
    stats["method"] = stats["method"].map(FUSION_ROWS)
    return stats.sort_values(["dataset", "family", "order"]).drop(columns="order")


def partition_ablation(
    metrics: pd.DataFrame, counts: dict[str, pd.DataFrame], reported: dict
) -> pd.DataFrame:
    """Table 2: per partition scheme, training counts of R/U/S and +MMoE test F1."""
    rows = test_overall(metrics)
    stats = mean_std(rows[rows["method"] == MMOE], ["dataset", "family", "scheme"], ["f1"])
    paper = reported.get("table2_partition_ablation", {})
    stats.insert(3, "experts", [len(scheme_experts(s)) for s in stats["scheme"]])
    for interaction in INTERACTIONS:
        stats[f"n_{interaction}"] = [
            _partition_count(counts[d], s, interaction)
            for d, s in zip(stats["dataset"], stats["scheme"], strict=True)
        ]
    stats["paper_f1"] = [
        paper_value(dig(paper, s, "f1") if is_paper_dataset(reported, d) else None)
        for d, s in zip(stats["dataset"], stats["scheme"], strict=True)
    ]
    return stats


def _partition_count(counts: pd.DataFrame, scheme: str, interaction: str) -> int:
    """Training rows of R/U/S class ``interaction`` in ``scheme``'s partition (five folded)."""
    rows = counts[(counts["scheme"] == scheme) & (counts["split"] == "train_partition")]
    return int(rows.loc[rows["interaction"].map(rus_class) == interaction, "n"].sum())


MULTITASK_EXPERTS = {"single": "single-dataset", "pooled": "pooled"}


MULTITASK_COLUMNS = [
    *("group", "dataset", "family", "experts", "n_train_S", "f1_mean", "f1_std"),
    *("s_expert_accuracy_mean", "s_expert_accuracy_std", "seeds", "paper_f1"),
]


def multitask(
    single: pd.DataFrame,
    pooled: pd.DataFrame,
    counts: dict[str, pd.DataFrame],
    groups: dict[str, list[str]],
    reported: dict,
    scheme: str,
) -> pd.DataFrame:
    """RQ4: per group member and family, +MMoE test F1 and the synergy expert's test accuracy on
    S rows, with the dataset's own experts vs experts trained on the group's pooled partitions.

    ``single``/``pooled``: metrics of the single-dataset runs and of the multitask runs (with a
    ``group`` column); ``n_train_S`` is the synergy expert's number of training rows.
    """
    if pooled.empty:
        return pd.DataFrame(columns=MULTITASK_COLUMNS)
    single = single[single["scheme"] == scheme]
    runs = []
    for group in groups:
        mine = pooled[pooled["group"] == group]
        own = single.merge(mine[["dataset", "family"]].drop_duplicates(), on=["dataset", "family"])
        runs += [
            own.assign(group=group, experts=MULTITASK_EXPERTS["single"]),
            mine.assign(experts=MULTITASK_EXPERTS["pooled"]),
        ]
    test = pd.concat(runs, ignore_index=True)
    test = test[test["split"] == "test"]
    keys = ["group", "dataset", "family", "experts", "seed"]
    f1 = test[(test["interaction"] == "all") & (test["method"] == MMOE)].set_index(keys)["f1"]
    synergy = test[(test["interaction"] == "S") & (test["method"] == "expert_S")]
    accuracy = synergy.set_index(keys)["accuracy"].rename("s_expert_accuracy")
    per_seed = pd.concat([f1, accuracy], axis=1).reset_index()
    stats = mean_std(per_seed, keys[:-1], ["f1", "s_expert_accuracy"])
    n_synergy = {d: _partition_count(c, scheme, "S") for d, c in counts.items()}
    pooled_name = MULTITASK_EXPERTS["pooled"]
    stats["n_train_S"] = [
        sum(n_synergy[m] for m in groups[g]) if e == pooled_name else n_synergy[d]
        for g, d, e in zip(stats["group"], stats["dataset"], stats["experts"], strict=True)
    ]
    paper = dig(reported, "rq4_multitask", "overall_f1") or {}
    paper_keys = {MULTITASK_EXPERTS["single"]: "single_dataset", pooled_name: "pooled"}
    stats["paper_f1"] = [
        paper_value(paper.get(paper_keys[e]) if is_paper_dataset(reported, d) else None)
        for d, e in zip(stats["dataset"], stats["experts"], strict=True)
    ]
    return stats.sort_values(["group", "dataset", "family"], kind="stable")[MULTITASK_COLUMNS]
