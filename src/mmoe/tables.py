"""Aggregate per-run metric files into the paper's tables (mean and std over seeds)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from mmoe import io
from mmoe.interactions import INTERACTIONS

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
KEYS = ["dataset", "family", "scheme"]


def load_metrics(runs: list[dict]) -> pd.DataFrame:
    """Concatenate metric CSVs; each run dict names its dataset, family, scheme, seed and path."""
    frames = [
        pd.read_csv(run["path"]).assign(**{k: run[k] for k in (*KEYS, "seed")}) for run in runs
    ]
    return pd.concat(frames, ignore_index=True)


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


def paper_value(value: object) -> str:
    """A reported number as text, or a dash where the paper has none."""
    return MISSING if value is None or pd.isna(value) else f"{float(value):.2f}"


def _test_overall(metrics: pd.DataFrame) -> pd.DataFrame:
    return metrics[(metrics["split"] == "test") & (metrics["interaction"] == "all")]


def main_results(
    metrics: pd.DataFrame, reported: dict, paper_models: dict, scheme: str
) -> pd.DataFrame:
    """Table 1: baseline vs +MMoE (model-based fusion) per dataset and family, test split."""
    rows = _test_overall(metrics)
    rows = rows[(rows["scheme"] == scheme) & rows["method"].isin(["baseline", "model"])]
    stats = mean_std(rows, ["dataset", "family", "method"], ["precision", "recall", "f1"])
    stats["method"] = stats["method"].map({"baseline": "single model", "model": "+MMoE"})
    paper = reported.get("table1_main_results", {})

    def reference(row) -> str:
        name = paper_models.get(row["family"])
        key = name if row["method"] == "single model" else f"{name}+MMoE"
        return paper_value(paper.get(row["dataset"], {}).get(key, {}).get("f1"))

    stats["paper_f1"] = stats.apply(reference, axis=1)
    return stats


def fusion_ablation(
    metrics: pd.DataFrame, reported: dict, paper_models: dict, scheme: str
) -> pd.DataFrame:
    """Table 3: test F1 of each fusion strategy per dataset and family."""
    rows = _test_overall(metrics)
    rows = rows[(rows["scheme"] == scheme) & rows["method"].isin(FUSION_ROWS)]
    stats = mean_std(rows, ["dataset", "family", "method"], ["f1"])
    paper = reported.get("table3_fusion_ablation", {})

    def reference(row) -> str:
        key = PAPER_FUSION_KEYS.get(row["method"])
        name = paper_models.get(row["family"])
        found = row["dataset"] == "mustard" and key and name
        return paper_value(paper.get(key, {}).get(name) if found else None)

    stats["paper_f1"] = stats.apply(reference, axis=1)
    stats["order"] = stats["method"].map(list(FUSION_ROWS).index)
    stats["method"] = stats["method"].map(FUSION_ROWS)
    return stats.sort_values(["dataset", "family", "order"]).drop(columns="order")


def per_interaction(metrics: pd.DataFrame, scheme: str) -> pd.DataFrame:
    """Figure 7: per interaction type on the test split, the baseline vs the matching expert."""
    rows = metrics[(metrics["split"] == "test") & (metrics["scheme"] == scheme)]
    records = []
    for kind in INTERACTIONS:
        part = rows[
            (rows["interaction"] == kind) & rows["method"].isin(["baseline", f"expert_{kind}"])
        ]
        records.append(
            part.assign(model=np.where(part["method"] == "baseline", "single model", "expert"))
        )
    picked = pd.concat(records, ignore_index=True)
    return mean_std(picked, ["dataset", "family", "interaction", "model"], ["accuracy", "f1", "n"])


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
        paper_value(paper.get(s, {}).get("f1") if d == "mustard" else None)
        for d, s in zip(stats["dataset"], stats["scheme"], strict=True)
    ]
    return stats


def _partition_count(counts: pd.DataFrame, scheme: str, kind: str) -> int:
    rows = counts[(counts["scheme"] == scheme) & (counts["split"] == "train_partition")]
    return int(rows.loc[rows["interaction"] == kind, "n"].sum())


def rus_agreement(typed: pd.DataFrame, data: pd.DataFrame) -> dict:
    """Agreement of the automatic R/U/S types with known types (U1/U2 count as U)."""
    from sklearn.metrics import f1_score

    truth = data.set_index("id")["true_interaction"].replace({"U1": "U", "U2": "U"})
    merged = typed.assign(truth=typed["id"].map(truth))
    per_type = {
        k: float((g["interaction"] == k).mean() * 100)
        for k, g in merged.groupby("truth", sort=True)
    }
    return {
        "accuracy": float((merged["interaction"] == merged["truth"]).mean() * 100),
        "macro_f1": float(
            f1_score(
                merged["truth"], merged["interaction"], average="macro", labels=list(INTERACTIONS)
            )
            * 100
        ),
        "chance": float(max(merged["truth"].value_counts(normalize=True)) * 100),
        "n": len(merged),
        **{f"accuracy_{k}": v for k, v in per_type.items()},
    }


def to_markdown(stats: pd.DataFrame, columns: list[str]) -> str:
    """Markdown with ``mean ± std`` cells for the given metric columns."""
    shown = stats.copy()
    for column in columns:
        shown[column] = [
            fmt(m, s) for m, s in zip(stats[f"{column}_mean"], stats[f"{column}_std"], strict=True)
        ]
        shown = shown.drop(columns=[f"{column}_mean", f"{column}_std"])
    return shown.to_markdown(index=False) + "\n"


def write_table(stats: pd.DataFrame, columns: list[str], stem: str | Path) -> None:
    """Write ``stem``.csv (numbers) and ``stem``.md (``mean ± std``)."""
    io.write_csv(stats, f"{stem}.csv")
    io.write_text(to_markdown(stats, columns), f"{stem}.md")
