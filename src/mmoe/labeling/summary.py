"""Per-view labeling summary and the bound on answers that parsed to neither label."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mmoe.labeling.base import UNPARSED

DECISION = {"decision": "backend", "threshold": np.nan, "positive_rate_bound": np.nan}


class LabelingError(RuntimeError):
    """Too many answers parsed to neither label."""


def _agreement(a: np.ndarray, b: np.ndarray) -> float:
    both = (a != UNPARSED) & (b != UNPARSED)
    return float((a[both] == b[both]).mean()) if both.any() else float("nan")


def summarise_labels(data: pd.DataFrame, predictions: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per view and split (plus ``all``): counts, positive rate, parse failures, the
    agreement (over rows where both parsed) with the gold label and with each other view, and
    the decision rule, threshold and positive-rate bound that made the labels, whether the clamp
    changed the split's labels (``clamped``; :mod:`mmoe.labeling.decision`) and ``one_class``:
    every parsed label of the split is the same class (such a labeller types rows by their gold
    label alone: :func:`one_class_warnings`); ``placeholders``: for precomputed labels, the rows
    whose probability was the file's placeholder, read as 0.

    ``predictions`` maps a view name to its labeling output (id, p, pred), in any row order;
    its ``attrs`` carry the decision (``backend`` when absent: the backend's own labels).
    """
    preds = {
        view: frame.set_index("id")["pred"].reindex(data["id"]).to_numpy()
        for view, frame in predictions.items()
    }
    placeholders = {  # precomputed labels: rows whose probability was a placeholder read as 0
        view: frame.set_index("id")["placeholder"].reindex(data["id"]).to_numpy(dtype=bool)
        for view, frame in predictions.items()
        if "placeholder" in frame
    }
    decisions = {view: frame.attrs for view, frame in predictions.items()}
    gold = data["label"].to_numpy().astype(int)
    splits = [*pd.unique(data["split"]), "all"]
    rows = []
    for view, pred in preds.items():
        for split in splits:
            mask = (
                np.ones(len(data), bool) if split == "all" else (data["split"] == split).to_numpy()
            )
            p = pred[mask]
            parsed = p != UNPARSED
            row = {"view": view, "split": split, "rows": int(mask.sum())}
            row |= {key: decisions[view].get(key, default) for key, default in DECISION.items()}
            row |= {"positive": int((p == 1).sum()), "negative": int((p == 0).sum())}
            row |= {"unparsed": int((~parsed).sum()), "unparsed_rate": float((~parsed).mean())}
            row |= {"positive_rate": float((p[parsed] == 1).mean()) if parsed.any() else np.nan}
            row["clamped"] = split in decisions[view].get("clamped", [])
            if view in placeholders:
                row["placeholders"] = int(placeholders[view][mask].sum())
            row["one_class"] = bool(parsed.any()) and len(np.unique(p[parsed])) == 1
            row["gold_agreement"] = _agreement(p, gold[mask])
            for other, other_pred in preds.items():
                if other != view:
                    row[f"agreement_{other}"] = _agreement(p, other_pred[mask])
            rows.append(row)
    return pd.DataFrame(rows)


def check_unparsed(summary: pd.DataFrame, max_rate: float, dataset: str) -> None:
    """Raise :class:`LabelingError` naming each view whose unparsed rate exceeds ``max_rate``."""
    overall = summary[summary["split"] == "all"]
    bad = overall[overall["unparsed_rate"] > max_rate]
    if len(bad):
        views = "; ".join(
            f"view {r.view}: {r.unparsed} of {r.rows} answers ({r.unparsed_rate:.1%})"
            for r in bad.itertuples()
        )
        raise LabelingError(
            f"dataset '{dataset}': answers that parsed to neither Yes nor No exceed the bound of "
            f"{max_rate:.1%} ({views}); check the prompt, the model or the answer parsing"
        )


def one_class_warnings(summary: pd.DataFrame, dataset: str) -> list[str]:
    """A warning for each view and split whose labels are all one class."""
    return [
        f"WARNING: dataset '{dataset}' view {r.view}: every one of the {r.rows} {r.split} label(s) "
        f"is {'positive' if r.positive else 'negative'}; its interaction types follow the gold "
        "label alone (set labeling.positive_rate_bound, or another labeling.decision)"
        for r in summary[summary["one_class"]].itertuples()
    ]
