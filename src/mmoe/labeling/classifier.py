"""CPU labeling backend: a cross-fitted logistic regression on a view's frozen features.

Training rows get out-of-fold probabilities (each row predicted by a model that never saw its
fold); validation and test rows get the probabilities of a model fit on all training rows.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from mmoe.labeling.base import ViewInput


def make_logistic(c: float, seed: int) -> Callable[[], object]:
    """A factory of standardised logistic-regression pipelines."""
    return lambda: make_pipeline(
        StandardScaler(), LogisticRegression(C=c, max_iter=2000, random_state=seed)
    )


def cross_fit_proba(
    features: np.ndarray,
    labels: np.ndarray,
    is_train: np.ndarray,
    folds: int,
    seed: int,
    make_model: Callable[[], object],
) -> tuple[np.ndarray, np.ndarray]:
    """P(y = 1) for every row, and the fold of every training row (-1 for the others)."""
    proba = np.full(len(features), np.nan)
    fold_of = np.full(len(features), -1)
    train_idx = np.flatnonzero(is_train)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for fold, (fit_pos, held_pos) in enumerate(splitter.split(train_idx, labels[train_idx])):
        model = make_model()
        model.fit(features[train_idx[fit_pos]], labels[train_idx[fit_pos]])
        proba[train_idx[held_pos]] = model.predict_proba(features[train_idx[held_pos]])[:, 1]
        fold_of[train_idx[held_pos]] = fold
    rest = np.flatnonzero(~is_train)
    if len(rest):
        model = make_model()
        model.fit(features[train_idx], labels[train_idx])
        proba[rest] = model.predict_proba(features[rest])[:, 1]
    return proba, fold_of


class CrossFitClassifier:
    """``classifier`` backend: params ``folds`` (default 5) and ``C`` (default 1.0)."""

    def __init__(self, params: dict, seed: int) -> None:
        self.folds = int(params.get("folds", 5))
        self.c = float(params.get("C", 1.0))
        self.seed = seed

    def label(self, view: ViewInput) -> pd.DataFrame:
        if view.features is None or len(view.features) != len(view.data):
            raise ValueError(
                f"dataset '{view.dataset}' view {view.view}: the classifier backend needs one "
                f"feature row per datapoint ({len(view.data)} rows)"
            )
        is_train = (view.data["split"] == "train").to_numpy()
        labels = view.data["label"].to_numpy().astype(int)
        proba, _ = cross_fit_proba(
            view.features, labels, is_train, self.folds, self.seed, make_logistic(self.c, self.seed)
        )
        return pd.DataFrame(
            {"id": view.data["id"].to_numpy(), "p": proba, "pred": (proba >= 0.5).astype(int)}
        )
