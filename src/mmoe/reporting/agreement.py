"""RQ3: automatic R/U/S types against reference types (synthetic truth or human annotations)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from mmoe.datasets.validate import DataValidationError, Problem
from mmoe.interactions import INTERACTIONS, TRUE_TYPES
from mmoe.reporting.paper import dig, is_paper_dataset, paper_value


def agreement(predicted: pd.Series, reference: pd.Series) -> dict:
    """Agreement of predicted R/U/S types with reference ones (aligned Series, U1/U2 count as U).

    Per-type accuracy is per predicted type (the paper annotates a sample of each predicted type).
    """
    from sklearn.metrics import f1_score

    reference = reference.replace(TRUE_TYPES["rus"])
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


def read_annotations(path: str | Path, dataset: str, typed: pd.DataFrame) -> pd.DataFrame:
    """A human annotation CSV (columns id, type) of ``dataset``; an id that is not one of its
    datapoints (``typed``), or that repeats, is a :class:`DataValidationError` naming the rows."""
    annotations = pd.read_csv(path, dtype={"id": str})
    missing = sorted({"id", "type"} - set(annotations.columns))
    if missing:
        raise DataValidationError(dataset, path, [Problem("table", f"missing column(s) {missing}")])
    ids = annotations["id"]
    problems = pd.concat(
        [
            pd.Series(
                "id is not a datapoint of the dataset", index=ids.index[~ids.isin(typed["id"])]
            ),
            pd.Series("duplicate id", index=ids.index[ids.duplicated()]),
        ]
    ).sort_index()
    if len(problems):
        rows = [Problem(f"id={ids[i]!r} (line {i + 2})", m) for i, m in problems.items()]
        raise DataValidationError(dataset, path, rows)
    return annotations


def human_agreement(typed: pd.DataFrame, path: str | Path, dataset: str) -> dict:
    """Agreement of the automatic R/U/S types with a human annotation CSV (columns id, type)."""
    typed = typed.astype({"id": str})
    merged = read_annotations(path, dataset, typed).merge(typed[["id", "interaction"]], on="id")
    return agreement(merged["interaction"], merged["type"])


def categorisation(
    synthetic: dict[str, tuple[pd.DataFrame, pd.DataFrame]],
    human: dict[str, tuple[pd.DataFrame, str | Path]],
    reported: dict,
) -> pd.DataFrame:
    """RQ3: one row per (dataset, reference): synthetic truth (``synthetic``: dataset -> typed rows
    and data), and human annotations if any (``human``: dataset -> typed rows and the CSV)."""
    rows = [
        {"dataset": d, "reference": "true_interaction", **rus_agreement(t, x)}
        for d, (t, x) in synthetic.items()
    ] + [
        {"dataset": d, "reference": "human", **human_agreement(t, a, d)}
        for d, (t, a) in human.items()
    ]
    out = pd.DataFrame(rows)
    paper = reported.get("rq3_categorization_vs_human", {})
    is_paper = [
        is_paper_dataset(reported, r["dataset"]) and r["reference"] == "human" for r in rows
    ]
    out["paper_macro_f1"] = [paper_value(paper.get("f1_overall") if p else None) for p in is_paper]
    for interaction in INTERACTIONS:
        out[f"paper_accuracy_{interaction}"] = [
            paper_value(dig(paper, "accuracy", interaction) if p else None) for p in is_paper
        ]
    return out
