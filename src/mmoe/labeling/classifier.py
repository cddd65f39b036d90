"""CPU labeling backend: a cross-fitted logistic regression on a view's frozen features.

Training rows get out-of-fold probabilities (each row predicted by a model that never saw its
fold); validation and test rows get the probabilities of a model fit on all training rows.
The regularisation ``C`` is either set in the config or, by default, chosen on the training rows
alone: by the pooled out-of-fold log-loss of the cross-fit itself (``tuning: pooled``, the
default; one regularisation path per fold), or by an inner cross-validation inside every fit
(``tuning: nested``; six times the fits).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial

import numpy as np
import pandas as pd
from scipy.special import expit
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from mmoe.labeling.base import ViewInput

C_GRID = (1e-4, 1e-3, 1e-2, 1e-1, 1.0, 10.0)
MAX_ITER = 2000


def make_logistic(c: float, seed: int) -> Callable[[], object]:
    """A factory of standardised logistic-regression pipelines."""
    return lambda: make_pipeline(
        StandardScaler(), LogisticRegression(C=c, max_iter=MAX_ITER, random_state=seed)
    )


def log_loss(labels: np.ndarray, proba: np.ndarray) -> float:
    """Mean binary cross-entropy of P(y = 1) against 0/1 labels."""
    p = np.clip(np.asarray(proba, float), 1e-12, 1 - 1e-12)
    return float(-np.mean(labels * np.log(p) + (1 - labels) * np.log(1 - p)))


def distinct_rows(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distinct (feature row, label) pairs of ``x``, ``y`` (bit-equal rows) and the count
    of each."""
    keyed = np.ascontiguousarray(np.column_stack([x.astype(np.float64), y]))
    rows = keyed.view(np.dtype((np.void, keyed.itemsize * keyed.shape[1]))).ravel()
    _, first, counts = np.unique(rows, return_index=True, return_counts=True)
    return x[first], y[first], counts


class LogisticPath:
    """Standardised logistic regressions for every ``C`` of ``grid``, fit in ascending order of
    C, each warm-started from the previous solution (the regularisation path): the optimum of each
    C as a cold start would find it, in fewer lbfgs iterations. Rows that repeat (a text shared
    by many datapoints) are fit once, weighted by their count: the same objective, at the cost of
    the distinct rows. ``predict_proba`` gives P(y = 1) per C, one column each, in the grid's
    order."""

    def __init__(self, grid: tuple[float, ...], seed: int) -> None:
        self.grid, self.seed = grid, seed

    def fit(self, x: np.ndarray, y: np.ndarray) -> LogisticPath:
        x_fit, y_fit, counts = distinct_rows(x, y)
        if len(counts) == len(y):  # no repeats: the rows as they are, in their order
            x_fit, y_fit, counts = x, y, None
        self.scaler_ = StandardScaler().fit(x_fit, sample_weight=counts)
        scaled = self.scaler_.transform(x_fit)
        model = LogisticRegression(max_iter=MAX_ITER, random_state=self.seed, warm_start=True)
        self.weights_ = {}
        for c in sorted(self.grid):
            model.set_params(C=c).fit(scaled, y_fit, sample_weight=counts)
            self.weights_[c] = (model.coef_[0].copy(), float(model.intercept_[0]))
        return self

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        scaled = self.scaler_.transform(x)
        margins = [scaled @ w + b for w, b in (self.weights_[c] for c in self.grid)]
        return expit(np.column_stack(margins))


class TunedLogistic:
    """Picks ``C`` from ``grid`` by stratified cross-validated log-loss on the rows it is fit on
    (the smallest C on ties), then refits on all of them. ``make_path()`` builds what is fit on
    each inner fold (one P(y = 1) column per C, :class:`LogisticPath`), ``make_model(c)`` the
    refit."""

    def __init__(
        self,
        grid: tuple[float, ...],
        folds: int,
        seed: int,
        make_path: Callable[[], object],
        make_model: Callable[[float], object],
    ) -> None:
        self.grid, self.folds, self.seed = grid, folds, seed
        self.make_path, self.make_model = make_path, make_model

    def fit(self, x: np.ndarray, y: np.ndarray) -> TunedLogistic:
        splitter = StratifiedKFold(n_splits=self.folds, shuffle=True, random_state=self.seed)
        losses = np.zeros(len(self.grid))
        for fit_idx, held_idx in splitter.split(x, y):
            proba = self.make_path().fit(x[fit_idx], y[fit_idx]).predict_proba(x[held_idx])
            losses += [log_loss(y[held_idx], proba[:, i]) for i in range(len(self.grid))]
        self.c_ = float(self.grid[int(np.argmin(losses))])
        self.model_ = self.make_model(self.c_).fit(x, y)
        return self

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        return self.model_.predict_proba(x)


def cross_fit_proba(
    features: np.ndarray,
    labels: np.ndarray,
    is_train: np.ndarray,
    folds: int,
    seed: int,
    make_model: Callable[[], object],
    column: int | slice = 1,
) -> tuple[np.ndarray, np.ndarray]:
    """The ``column`` of ``predict_proba`` (P(y = 1) of a classifier; ``slice(None)`` keeps every
    column of a :class:`LogisticPath`) for every row, and the fold of every training row (-1 for
    the others)."""
    proba, fold_of = None, np.full(len(features), -1)
    train_idx = np.flatnonzero(is_train)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    parts = [
        (train_idx[fit], train_idx[held])
        for fit, held in splitter.split(train_idx, labels[train_idx])
    ]
    if not is_train.all():
        parts.append((train_idx, np.flatnonzero(~is_train)))
    for fold, (fit_idx, held_idx) in enumerate(parts):
        model = make_model().fit(features[fit_idx], labels[fit_idx])
        held = model.predict_proba(features[held_idx])[:, column]
        if proba is None:
            proba = np.full((len(features), *held.shape[1:]), np.nan)
        proba[held_idx] = held
        if fold < folds:
            fold_of[held_idx] = fold
    return proba, fold_of


def pooled_proba(
    features: np.ndarray,
    labels: np.ndarray,
    is_train: np.ndarray,
    folds: int,
    seed: int,
    grid: tuple[float, ...],
    make_path: Callable[[tuple[float, ...], int], object] = LogisticPath,
) -> tuple[np.ndarray, np.ndarray, float]:
    """:func:`cross_fit_proba` of a regularisation path over ``grid`` (``make_path(grid, seed)``,
    one P(y = 1) column per C), the ``C`` of the lowest out-of-fold log-loss over all training
    rows kept (the smallest on ties): P(y = 1), the folds and that C. Val/test rows come from the
    path fit on all training rows, as in every cross-fit."""
    path = partial(make_path, grid, seed)
    proba, fold_of = cross_fit_proba(features, labels, is_train, folds, seed, path, slice(None))
    losses = [log_loss(labels[is_train], proba[is_train, i]) for i in range(len(grid))]
    best = min(range(len(grid)), key=lambda i: (losses[i], grid[i]))
    return proba[:, best], fold_of, float(grid[best])


def rows_needed(folds: int, nested: bool) -> int:
    """The fewest training rows of each class that ``folds``-fold cross-fitting can use: one per
    fold, and with ``nested`` C selection also one per inner fold in every outer fit."""
    if not nested:
        return folds
    rows = folds
    while rows - math.ceil(rows / folds) < folds:  # the largest held-out fold leaves the rest
        rows += 1
    return rows


def check_fittable(view: ViewInput, labels: np.ndarray, folds: int, nested: bool) -> None:
    """Raise a ValueError naming the dataset, view, split and setting when the training rows
    cannot be cross-fitted: one class only, or fewer rows of a class than the folds need."""
    where = f"dataset '{view.dataset}' view {view.view}, split 'train'"
    classes, counts = np.unique(labels, return_counts=True)
    if len(classes) < 2:
        only = f"all {len(labels)} labels are {classes[0]}" if len(classes) else "no rows"
        raise ValueError(
            f"{where}: {only}; the classifier labeller needs both classes in the training "
            "split (check the source's labels and its split settings)"
        )
    needed = rows_needed(folds, nested)
    if counts.min() < needed:
        has = ", ".join(f"{n} of class {c}" for c, n in zip(classes, counts, strict=True))
        tuning = " with C chosen by nested cross-validation" if nested else ""
        raise ValueError(
            f"{where}: labeling.params.folds={folds}{tuning} needs at least {needed} training "
            f"rows of each class, has {has}; lower labeling.params.folds (at least 2)"
            + (", set a fixed labeling.params.C" if nested else "")
            + " or add training rows"
        )


class CrossFitClassifier:
    """``classifier`` backend: params ``folds`` (default 5), ``C`` (a number, or ``auto``, the
    default: chosen from ``C_GRID`` on the training rows) and ``tuning`` (how ``auto`` chooses:
    ``pooled``, the default, or ``nested``)."""

    def __init__(self, params: dict, seed: int) -> None:
        self.folds = int(params.get("folds", 5))
        self.c = params.get("C", "auto")
        self.tuning = params.get("tuning", "pooled")
        self.seed = seed

    @property
    def nested(self) -> bool:
        return self.c == "auto" and self.tuning == "nested"

    def model_factory(self) -> Callable[[], object]:
        """Fixed-C pipelines, or ones that tune C on the rows they are fit on (nested)."""
        if not self.nested:
            return make_logistic(float(self.c), self.seed)
        return lambda: TunedLogistic(
            C_GRID,
            self.folds,
            self.seed,
            lambda: LogisticPath(C_GRID, self.seed),
            lambda c: make_logistic(c, self.seed)(),
        )

    def label(self, view: ViewInput) -> pd.DataFrame:
        if view.features is None or len(view.features) != len(view.data):
            raise ValueError(
                f"dataset '{view.dataset}' view {view.view}: the classifier backend needs one "
                f"feature row per datapoint ({len(view.data)} rows)"
            )
        is_train = (view.data["split"] == "train").to_numpy()
        labels = view.data["label"].to_numpy().astype(int)
        check_fittable(view, labels[is_train], self.folds, nested=self.nested)
        if self.c == "auto" and not self.nested:
            proba, _, _ = pooled_proba(
                view.features, labels, is_train, self.folds, self.seed, C_GRID
            )
        else:
            proba, _ = cross_fit_proba(
                view.features, labels, is_train, self.folds, self.seed, self.model_factory()
            )
        return pd.DataFrame(
            {"id": view.data["id"].to_numpy(), "p": proba, "pred": (proba >= 0.5).astype(int)}
        )
