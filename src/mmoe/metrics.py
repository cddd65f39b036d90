"""Classification metrics, overall and per interaction type."""

from __future__ import annotations

import numpy as np
import pandas as pd


def _f1(y_true: np.ndarray, y_pred: np.ndarray, positive: int) -> float:
    tp = np.sum((y_pred == positive) & (y_true == positive))
    denominator = np.sum(y_pred == positive) + np.sum(y_true == positive)
    return float(2 * tp / denominator) if denominator else 0.0


def selection_f1(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> float:
    """The model-selection score: binary F1 (class 1) for two classes, macro F1 otherwise.

    Same values as scikit-learn's ``f1_score`` with ``zero_division=0``, without importing it
    (training jobs start faster).
    """
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if n_classes == 2:
        return _f1(y_true, y_pred, 1)
    present = np.union1d(y_true, y_pred)
    return float(np.mean([_f1(y_true, y_pred, k) for k in present]))


def prediction_rates(y_pred: np.ndarray, n_classes: int) -> list[float]:
    """The share of predictions of each class."""
    y_pred = np.asarray(y_pred)
    return [float(np.mean(y_pred == k)) if len(y_pred) else float("nan") for k in range(n_classes)]


def selection_key(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> tuple[bool, float]:
    """An epoch's rank for model selection (higher is better): epochs whose validation
    predictions hold more than one class first, then :func:`selection_f1`. A constant predictor
    (e.g. every row positive, whose F1 is high on a positive-heavy validation split) is chosen
    only when every epoch is one."""
    return len(np.unique(y_pred)) > 1, selection_f1(y_true, y_pred, n_classes)


def selection_record(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> dict:
    """An epoch's validation record: F1, prediction rates (positive rate for two classes)."""
    record = {"val_f1": selection_f1(y_true, y_pred, n_classes)}
    rates = prediction_rates(y_pred, n_classes)
    record["val_prediction_rates"] = rates
    if n_classes == 2:
        record["val_positive_rate"] = rates[1]
    return record


def binary_scores(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, float]:
    """Binary precision, recall, F1 (positive class 1) and accuracy, in percent.

    The values of scikit-learn's ``precision_recall_fscore_support(average="binary",
    zero_division=0)`` and ``accuracy_score``, without importing it (fusion and evaluation jobs
    start faster).
    """
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    tp = np.sum((y_pred == 1) & (y_true == 1))
    predicted, actual = np.sum(y_pred == 1), np.sum(y_true == 1)
    return {
        "precision": 100 * float(tp / predicted if predicted else 0.0),
        "recall": 100 * float(tp / actual if actual else 0.0),
        "f1": 100 * _f1(y_true, y_pred, 1),
        "accuracy": 100 * float(np.mean(y_true == y_pred)),
        "n": len(y_true),
    }


def evaluate_predictions(predictions: pd.DataFrame, typed: pd.DataFrame) -> pd.DataFrame:
    """Scores of every method column, per split, overall, per hard interaction type and (when
    ``typed`` has a ``five_type`` column) per five-type.

    ``predictions`` has ``id``, ``split`` and one 0/1 column per method; ``typed`` carries the
    gold ``label`` and ``interaction`` of every row.
    """
    type_columns = [c for c in ("interaction", "five_type") if c in typed]
    merged = predictions.merge(typed[["id", "label", *type_columns]], on="id", validate="1:1")
    methods = [c for c in predictions.columns if c not in ("id", "split")]
    records = []
    for split, rows in merged.groupby("split", sort=True):
        groups = [("all", rows)]
        groups += [(k, g) for column in type_columns for k, g in rows.groupby(column, sort=True)]
        for interaction, group in groups:
            for method in methods:
                scores = binary_scores(group["label"].to_numpy(), group[method].to_numpy())
                records.append(
                    {"split": split, "interaction": interaction, "method": method, **scores}
                )
    return pd.DataFrame(records)
