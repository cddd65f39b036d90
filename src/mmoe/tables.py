"""Aggregate per-run metric files into the paper's tables (mean and std over seeds)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from mmoe import io
from mmoe.interactions import FIVE_TO_RUS, FIVE_TYPES, INTERACTIONS

MISSING = "–"
FUSION_ROWS = {
    "model": "model-based",
    "average": "average",
    "weighted_fixed": "weighted (fixed 0.2/0.5/0.3)",
    "weighted_frequency": "weighted (training frequency)",
    "cascaded": "cascaded",
    "baseline": "no fusion (single model)",
    "oracle": "oracle (upper bound)",
}
PAPER_FUSION_KEYS = {
    "model": "model_based",
    "average": "average",
    "weighted_fixed": "weighted",
    "cascaded": "cascaded",
    "baseline": "baseline",
}
PAPER_RQ1_KEYS = {"ALBEF": "albef_experts"}  # paper model -> its per-interaction scores (Fig. 7)
PAPER_DATASET = "mustard"  # the ablations, RQ1, RQ3 and the five-type table are MUStARD-only
KEYS = ["dataset", "family", "scheme"]
MODELS = {"baseline": "single model", "model": "+MMoE"}
SPLITS = ["train", "val", "test"]


def load_metrics(runs: list[dict]) -> pd.DataFrame:
    """Concatenate metric CSVs; each run dict has a ``path`` and keys (dataset, family, seed...)
    that become columns. No runs give an empty frame."""
    frames = [
        pd.read_csv(run["path"]).assign(**{k: v for k, v in run.items() if k != "path"})
        for run in runs
    ]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def load_reported(path: str | Path) -> dict:
    """The seed documents' reported numbers (``reported.yaml``)."""
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def mean_std(frame: pd.DataFrame, by: list[str], columns: list[str]) -> pd.DataFrame:
    """Mean, std (ddof=1; 0 for a single seed) and seed count of ``columns`` grouped ``by``."""
    grouped = frame.groupby(by, sort=False)[columns]
    out = (
        grouped.mean().add_suffix("_mean").join(grouped.std(ddof=1).fillna(0.0).add_suffix("_std"))
    )
    return out.join(grouped.size().rename("seeds")).reset_index()


def fmt(mean: float, std: float) -> str:
    """``mean ± std`` with two decimals, or a dash for a missing value."""
    if pd.isna(mean):
        return MISSING
    return f"{mean:.2f} ± {std:.2f}"


def paper_value(value: object, decimals: int = 2) -> str:
    """A reported number as text, or a dash where the paper has none."""
    return MISSING if value is None or pd.isna(value) else f"{float(value):.{decimals}f}"


def _dig(tree: dict, *keys: object) -> object:
    """``tree[k1][k2]...``, or None as soon as a key is missing or None."""
    for key in keys:
        if not isinstance(tree, dict) or key is None:
            return None
        tree = tree.get(key)
    return tree


def _per_row(stats: pd.DataFrame, function) -> list:
    """``function`` applied to each row (as a dict) of ``stats``."""
    return [function(row) for row in stats.to_dict("records")]


def _test_overall(metrics: pd.DataFrame) -> pd.DataFrame:
    return metrics[(metrics["split"] == "test") & (metrics["interaction"] == "all")]


def main_results(
    metrics: pd.DataFrame, reported: dict, paper_models: dict, scheme: str
) -> pd.DataFrame:
    """Table 1: baseline vs +MMoE (model-based fusion) per dataset and family, test split."""
    rows = _test_overall(metrics)
    rows = rows[(rows["scheme"] == scheme) & rows["method"].isin(MODELS)]
    stats = mean_std(rows, ["dataset", "family", "method"], ["precision", "recall", "f1"])
    stats["method"] = stats["method"].map(MODELS)
    paper = reported.get("table1_main_results", {})

    def reference(row) -> str:
        name = paper_models.get(row["family"])
        key = name if row["method"] == MODELS["baseline"] else f"{name}+MMoE"
        return paper_value(_dig(paper, row["dataset"], name and key, "f1"))

    stats["paper_f1"] = _per_row(stats, reference)
    return stats


def fusion_ablation(
    metrics: pd.DataFrame, reported: dict, paper_models: dict, scheme: str
) -> pd.DataFrame:
    """Table 3: test F1 of each fusion strategy per dataset and family (oracle last)."""
    rows = _test_overall(metrics)
    rows = rows[(rows["scheme"] == scheme) & rows["method"].isin(FUSION_ROWS)]
    stats = mean_std(rows, ["dataset", "family", "method"], ["f1"])
    paper = reported.get("table3_fusion_ablation", {})

    def reference(row) -> str:
        key = PAPER_FUSION_KEYS.get(row["method"]) if row["dataset"] == PAPER_DATASET else None
        return paper_value(_dig(paper, key, paper_models.get(row["family"])))

    stats["paper_f1"] = _per_row(stats, reference)
    stats["upper_bound"] = stats["method"] == "oracle"
    stats["order"] = stats["method"].map(list(FUSION_ROWS).index)
    stats["method"] = stats["method"].map(FUSION_ROWS)
    return stats.sort_values(["dataset", "family", "order"]).drop(columns="order")


def _baseline_vs_expert(metrics: pd.DataFrame, scheme: str, types: dict[str, str]) -> pd.DataFrame:
    """Test rows of the baseline and of the matching expert per type (``types``: type -> R/U/S)."""
    rows = metrics[(metrics["split"] == "test") & (metrics["scheme"] == scheme)]
    picked = pd.concat(
        rows[(rows["interaction"] == kind) & rows["method"].isin(["baseline", f"expert_{expert}"])]
        for kind, expert in types.items()
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
        key = PAPER_RQ1_KEYS.get(name) if row["dataset"] == PAPER_DATASET else None
        return paper_value(_dig(paper, key, row["interaction"], role[row["model"]]))

    stats["paper_accuracy"] = _per_row(stats, reference)
    return stats


def partition_ablation(
    metrics: pd.DataFrame, counts: dict[str, pd.DataFrame], reported: dict
) -> pd.DataFrame:
    """Table 2: per partition scheme, training counts of R/U/S and +MMoE test F1."""
    rows = _test_overall(metrics)
    stats = mean_std(rows[rows["method"] == "model"], ["dataset", "family", "scheme"], ["f1"])
    paper = reported.get("table2_partition_ablation", {})
    for kind in INTERACTIONS:
        stats[f"n_{kind}"] = [
            _partition_count(counts[d], s, kind)
            for d, s in zip(stats["dataset"], stats["scheme"], strict=True)
        ]
    stats["paper_f1"] = [
        paper_value(_dig(paper, s, "f1") if d == PAPER_DATASET else None)
        for d, s in zip(stats["dataset"], stats["scheme"], strict=True)
    ]
    return stats


def _partition_count(counts: pd.DataFrame, scheme: str, kind: str) -> int:
    rows = counts[(counts["scheme"] == scheme) & (counts["split"] == "train_partition")]
    return int(rows.loc[rows["interaction"] == kind, "n"].sum())


def five_types(
    metrics: pd.DataFrame, typed: dict[str, pd.DataFrame], reported: dict, scheme: str
) -> pd.DataFrame:
    """Short paper Table 2: rows per five-type, and test F1 of the single model vs the expert of
    the type's R/U/S group (its :data:`FIVE_TO_RUS` fold)."""
    picked = _baseline_vs_expert(metrics, scheme, FIVE_TO_RUS)
    stats = mean_std(picked, ["dataset", "family", "interaction", "model"], ["f1"])
    wide = stats.pivot_table(
        index=["dataset", "family", "interaction"],
        columns="model",
        values=["f1_mean", "f1_std"],
        sort=False,
    )
    wide.columns = [f"{model.replace(' ', '_')}_{stat}" for stat, model in wide.columns]
    scores = [f"{m}_f1_{stat}" for m in ("single_model", "expert") for stat in ("mean", "std")]
    wide = wide.reset_index().rename(columns={"interaction": "five_type"})
    wide = wide.reindex(
        columns=["dataset", "family", "five_type", *scores]
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
            paper_value(_dig(paper, t, column) if d == PAPER_DATASET else None, decimals)
            for d, t in zip(out["dataset"], out["five_type"], strict=True)
        ]
    return out


def parameters(metrics: pd.DataFrame, counts: pd.DataFrame, scheme: str) -> pd.DataFrame:
    """Figure 8: parameters (total; active at inference) vs test F1, single model and +MMoE.

    ``counts`` has dataset, family, role (all/R/U/S/fuser) and total per trained model. A mixture
    holds three experts and a fuser; at inference one expert and the fuser run per datapoint.
    """
    sizes = counts.groupby(["dataset", "family", "role"])["total"].max().unstack("role")
    experts = sizes[list(INTERACTIONS)]
    sizes = pd.concat(
        {
            MODELS["baseline"]: pd.DataFrame({"total": sizes["all"], "active": sizes["all"]}),
            MODELS["model"]: pd.DataFrame(
                {
                    "total": experts.sum(axis=1) + sizes["fuser"],
                    "active": experts.max(axis=1) + sizes["fuser"],
                }
            ),
        },
        names=["method"],
    ).reset_index()
    rows = _test_overall(metrics)
    rows = rows[(rows["scheme"] == scheme) & rows["method"].isin(MODELS)]
    keys = ["dataset", "family", "method"]
    stats = mean_std(rows.assign(method=rows["method"].map(MODELS)), keys, ["f1"])
    return stats.merge(sizes, on=keys, how="left")[
        [*keys, "total", "active", "f1_mean", "f1_std", "seeds"]
    ]


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
    f1 = test[(test["interaction"] == "all") & (test["method"] == "model")].set_index(keys)["f1"]
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
    paper = _dig(reported, "rq4_multitask", "overall_f1") or {}
    paper_keys = {MULTITASK_EXPERTS["single"]: "single_dataset", pooled_name: "pooled"}
    stats["paper_f1"] = [
        paper_value(paper.get(paper_keys[e]) if d == PAPER_DATASET else None)
        for d, e in zip(stats["dataset"], stats["experts"], strict=True)
    ]
    return stats.sort_values(["group", "dataset", "family"], kind="stable")[MULTITASK_COLUMNS]


def agreement(predicted: pd.Series, reference: pd.Series) -> dict:
    """Agreement of predicted R/U/S types with reference ones (aligned Series, U1/U2 count as U).

    Per-type accuracy is per predicted type (the paper annotates a sample of each predicted type).
    """
    from sklearn.metrics import f1_score

    reference = reference.replace({"U1": "U", "U2": "U"})
    right = predicted.to_numpy() == reference.to_numpy()
    return {
        "n": len(reference),
        "accuracy": float(right.mean() * 100),
        "macro_f1": float(
            f1_score(reference, predicted, average="macro", labels=list(INTERACTIONS)) * 100
        ),
        "chance": float(reference.value_counts(normalize=True).max() * 100),
        **{
            f"accuracy_{k}": float(right[predicted.to_numpy() == k].mean() * 100)
            if (predicted == k).any()
            else np.nan
            for k in INTERACTIONS
        },
    }


def rus_agreement(typed: pd.DataFrame, data: pd.DataFrame) -> dict:
    """Agreement of the automatic R/U/S types with the synthetic data's ``true_interaction``."""
    truth = typed["id"].map(data.set_index("id")["true_interaction"])
    return agreement(typed["interaction"], truth)


def human_agreement(typed: pd.DataFrame, annotations: pd.DataFrame) -> dict:
    """Agreement of the automatic R/U/S types with a human annotation file (columns id, type)."""
    merged = annotations.astype({"id": str}).merge(
        typed.astype({"id": str})[["id", "interaction"]], on="id", validate="1:1"
    )
    return agreement(merged["interaction"], merged["type"])


def categorisation(
    synthetic: dict[str, tuple[pd.DataFrame, pd.DataFrame]],
    human: dict[str, tuple[pd.DataFrame, pd.DataFrame]],
    reported: dict,
) -> pd.DataFrame:
    """RQ3: one row per (dataset, reference): synthetic truth, and human annotations if any."""
    rows = [
        {"dataset": d, "reference": "true_interaction", **rus_agreement(t, x)}
        for d, (t, x) in synthetic.items()
    ] + [
        {"dataset": d, "reference": "human", **human_agreement(t, a)} for d, (t, a) in human.items()
    ]
    out = pd.DataFrame(rows)
    paper = reported.get("rq3_categorization_vs_human", {})
    is_paper = [r["dataset"] == PAPER_DATASET and r["reference"] == "human" for r in rows]
    out["paper_macro_f1"] = [paper_value(paper.get("f1_overall") if p else None) for p in is_paper]
    for kind in INTERACTIONS:
        out[f"paper_accuracy_{kind}"] = [
            paper_value(_dig(paper, "accuracy", kind) if p else None) for p in is_paper
        ]
    return out


def dataset_summary(typed: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Rows per split, share of positive labels and of each R/U/S type (percent)."""
    records = []
    for dataset, frame in typed.items():
        for split, rows in frame.groupby(pd.Categorical(frame["split"], SPLITS), observed=True):
            shares = rows["interaction"].value_counts(normalize=True)
            records.append(
                {
                    "dataset": dataset,
                    "split": split,
                    "n": len(rows),
                    "positive": float(rows["label"].mean() * 100),
                    **{f"share_{k}": float(shares.get(k, 0.0) * 100) for k in INTERACTIONS},
                }
            )
    return pd.DataFrame(records)


def pid_table(pids: dict[str, dict]) -> pd.DataFrame:
    """PID (bits) per dataset and subset (all rows, each type's rows, models' predictions)."""
    columns = ["R", "U1", "U2", "S", "I_total", "k1", "k2", "n"]
    return pd.DataFrame(
        [
            {"dataset": d, "subset": subset, **{c: p[c] for c in columns}}
            for d, subsets in pids.items()
            for subset, p in sorted(subsets.items(), key=_subset_order)
        ]
    )


def _subset_order(item: tuple[str, dict]) -> tuple[int, str]:
    """All rows first, then the R, U, S rows, then models' predictions by name."""
    order = ["all rows", *(f"{kind} rows" for kind in INTERACTIONS)]
    name = item[0]
    return (order.index(name) if name in order else len(order), name)


def formatted(stats: pd.DataFrame, columns: list[str], decimals: int = 2) -> pd.DataFrame:
    """``stats`` with each ``column_mean``/``column_std`` pair merged into a ``mean ± std`` cell
    and the other numbers rounded to ``decimals`` (missing ones shown as a dash)."""
    shown = stats.copy()
    for column in columns:
        cells = [
            fmt(m, s) for m, s in zip(stats[f"{column}_mean"], stats[f"{column}_std"], strict=True)
        ]
        at = shown.columns.get_loc(f"{column}_mean")
        shown = shown.drop(columns=[f"{column}_mean", f"{column}_std"])
        shown.insert(at, column, cells)
    for column in shown.select_dtypes("float").columns:
        shown[column] = [MISSING if pd.isna(v) else f"{v:.{decimals}f}" for v in shown[column]]
    return shown.fillna(MISSING)


def to_markdown(stats: pd.DataFrame, columns: list[str], decimals: int = 2) -> str:
    """Markdown with ``mean ± std`` cells for the given metric columns."""
    shown = formatted(stats, columns, decimals)
    return shown.to_markdown(index=False, disable_numparse=True) + "\n"


def to_latex(stats: pd.DataFrame, columns: list[str], decimals: int = 2) -> str:
    """A LaTeX ``tabular`` with ``mean $\\pm$ std`` cells."""
    shown = formatted(stats, columns, decimals)
    text = shown.to_latex(index=False, escape=True)
    return text.replace("±", r"$\pm$").replace(MISSING, "--")


def write_table(
    stats: pd.DataFrame, columns: list[str], stem: str | Path, decimals: int = 2
) -> None:
    """Write ``stem``.csv (numbers), ``stem``.md and ``stem``.tex (``mean ± std``)."""
    io.write_csv(stats, f"{stem}.csv")
    io.write_text(to_markdown(stats, columns, decimals), f"{stem}.md")
    io.write_text(to_latex(stats, columns, decimals), f"{stem}.tex")
